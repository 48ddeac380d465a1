"""Stage 44 keeps the sets it combined beside the pretraining data and refuses a run asking for
other sets (it used to reuse the old audio, and stage 45 its statistics, without a word)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import REPO

TEMPLATE = REPO / "egs/TEMPLATE/asr1"


def _dump(root: Path, name: str, utts: int) -> None:
    d = root / "dump/raw" / name
    d.mkdir(parents=True)
    ids = [f"{name}-spk-{i:03d}" for i in range(utts)]
    (d / "wav.scp").write_text("".join(f"{u} /audio/{u}.wav\n" for u in ids))
    (d / "utt2spk").write_text("".join(f"{u} {name}-spk\n" for u in ids))
    (d / "spk2utt").write_text(f"{name}-spk {' '.join(ids)}\n")
    (d / ".done").touch()


def _stage44(root: Path, sets: str) -> subprocess.CompletedProcess:
    if not (root / "path.sh").exists():
        (root / "path.sh").symlink_to(TEMPLATE / "path.sh")
    env = {
        **os.environ,
        "pipeline_dir": str(TEMPLATE),
        "pretrain_stop_iter": "1",
        "pretrain_sets": sets,
        "dumpdir": "dump",
        "ssl_stats_dir": "exp/ssl_stats",
    }
    return subprocess.run(
        ["bash", str(TEMPLATE / "stages/44_ssl_data.sh")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_run_with_other_pretraining_sets_stops_naming_both(tmp_path: Path) -> None:
    _dump(tmp_path, "unlab", 3)
    _dump(tmp_path, "flite", 2)
    first = _stage44(tmp_path, "unlab")
    assert first.returncode == 0, first.stderr
    ssl = tmp_path / "dump/raw/ssl_train"
    assert len((ssl / "wav.scp").read_text().splitlines()) == 3
    assert (ssl / "pretrain_sets").read_text().strip() == "unlab"

    again = _stage44(
        tmp_path, "  unlab "
    )  # the same sets, other spacing: nothing to do
    assert again.returncode == 0, again.stderr

    other = _stage44(tmp_path, "unlab flite")
    assert other.returncode == 1
    assert "'unlab'" in other.stdout and "'unlab flite'" in other.stdout
    assert len((ssl / "wav.scp").read_text().splitlines()) == 3  # left as it was
