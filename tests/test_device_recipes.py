"""bench/device_recipes.sh in its CPU smoke mode: JSON rows per recipe x stage, failures reported.

A full smoke run of the six recipes takes many minutes; these run the cheap CHiME-6 data stage, a
broken recipe beside it, and the skip logic in-process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import REPO, run_command

sys.path.insert(0, str(REPO / "bench"))
import device_recipes  # noqa: E402  (bench/ is no package)

SCRIPT = ["bash", str(REPO / "bench/device_recipes.sh"), "--smoke"]
ENV = {"PYTHON": sys.executable, "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**ENV, "PATH": f"{Path(sys.executable).parent}:{ENV['PATH']}"}
    cmd = [
        *SCRIPT,
        "--workdir",
        str(tmp / "work"),
        "--json",
        str(tmp / "out.json"),
        *args,
    ]
    return run_command(cmd, cwd=REPO, timeout=300, env=env)


@pytest.fixture(scope="module")
def broken_and_good(
    tmp_path_factory: pytest.TempPathFactory,
) -> subprocess.CompletedProcess:
    """mini with a broken data script, then chime6: their data stages, from a copy of egs/."""
    tmp = tmp_path_factory.mktemp("device_recipes")
    egs = tmp / "egs"
    for recipe in ("mini/asr1", "chime6/asr1"):
        shutil.copytree(REPO / "egs" / recipe, egs / recipe, symlinks=True)
    (egs / "mini/asr1/local/data.sh").write_text(
        "#!/usr/bin/env bash\necho 'broken on purpose: no corpus here' >&2\nexit 3\n"
    )
    result = _run(
        tmp, "--recipes", "mini,chime6", "--stages", "data", "--egs", str(egs)
    )
    result.report = json.loads((tmp / "out.json").read_text())  # type: ignore[attr-defined]
    return result


def _rows(result: subprocess.CompletedProcess) -> Dict[str, Dict[str, dict]]:
    rows: List[dict] = result.report["rows"]  # type: ignore[attr-defined]
    table: Dict[str, Dict[str, dict]] = {}
    for row in rows:
        assert set(row) == {
            "recipe",
            "stage",
            "status",
            "seconds",
            "stages",
            "log_tail",
        }
        table.setdefault(row["recipe"], {})[row["stage"]] = row
    return table


def test_a_passing_recipe_has_a_row_per_stage(
    broken_and_good: subprocess.CompletedProcess,
) -> None:
    chime6 = _rows(broken_and_good)["chime6"]
    assert chime6["fixture"]["status"] == "passed"
    assert chime6["data"]["status"] == "passed" and chime6["data"]["stages"] == "10-20"
    assert chime6["data"]["seconds"] > 0 and chime6["data"]["log_tail"] == []
    assert (
        broken_and_good.report["device"] == "cpu"
        and broken_and_good.report["ngpu"] == 0
    )
    assert "| chime6 | data | 10-20 | passed |" in broken_and_good.stdout


def test_a_failing_stage_is_reported_and_the_next_recipe_runs(
    broken_and_good: subprocess.CompletedProcess,
) -> None:
    assert broken_and_good.returncode == 1, broken_and_good.stderr[-2000:]
    mini = _rows(broken_and_good)["mini"]
    assert mini["data"]["status"] == "failed"
    assert any("broken on purpose" in line for line in mini["data"]["log_tail"])
    assert list(_rows(broken_and_good)) == ["mini", "chime6"]  # the order asked for
    assert "broken on purpose" in broken_and_good.stdout


def test_later_stages_are_skipped_after_a_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = device_recipes.Plan(
        "fake", "fake/asr1", device_recipes.ASR_STAGES, ["--x", "1"]
    )
    monkeypatch.setattr(
        device_recipes,
        "_build",
        lambda *a: (
            plan,
            tmp_path,
            device_recipes.Row("fake", "fixture", "passed", 0.0),
        ),
    )
    statuses = iter(["passed", "timeout"])
    calls: List[List[str]] = []

    def fake_run(cmd: List[str], cwd: Path, log: Path, timeout: float) -> str:
        calls.append(cmd)
        log.write_text("line\n" * 50)
        return next(statuses)

    monkeypatch.setattr(device_recipes, "_run_logged", fake_run)
    args = device_recipes.parse_args(
        ["--ngpu", "1", "--workdir", str(tmp_path), "--egs", str(tmp_path)]
    )
    rows = device_recipes.run_recipe("mini", args)
    assert [(r.stage, r.status) for r in rows] == [
        ("fixture", "passed"), ("data", "passed"), ("pretrain", "timeout"), ("finetune", "skipped"),
        ("lm", "skipped"), ("decode", "skipped"), ("nst", "skipped"), ("pack", "skipped"),
    ]  # fmt: skip
    assert len(rows[2].log_tail) == device_recipes.TAIL_LINES
    assert calls[0][:5] == ["./run.sh", "--stage", "10", "--stop_stage", "20"]
    assert calls[0][-4:] == ["--ngpu", "1", "--gpu_inference", "true"]


def test_options_are_checked(tmp_path: Path) -> None:
    for args, message in (
        (["--bogus"], "unknown option '--bogus'"),
        (["--recipes"], "--recipes needs a value"),
        (["--recipes", "timit"], "unknown recipe ['timit']"),
        (["--stages", "train"], "unknown stage ['train']"),
    ):
        result = _run(tmp_path, *args)
        assert result.returncode == 2 and message in result.stderr, (
            args,
            result.stderr,
        )
