"""Restartability: a stage killed midway and rerun gives the same outputs as a clean run."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bigssl.io_utils import atomic_open

CORPUS_ARGS = [
    "--num_labeled",
    "120",
    "--num_unlabeled",
    "60",
    "--num_dev",
    "10",
    "--num_test",
    "10",
    "--seed",
    "3",
    "--nj",
    "1",
]


def _run_corpus(root: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "bigssl.bin.make_mini_corpus",
        "--audio_dir",
        str(root / "audio"),
        "--data_dir",
        str(root / "data"),
        *CORPUS_ARGS,
    ]
    return subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _digest(root: Path) -> dict:
    """md5 per file; wav.scp paths are made relative to ``root`` so two roots compare equal."""
    digest = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        content = path.read_bytes()
        if path.name == "wav.scp":
            content = content.replace(str(root).encode(), b"ROOT")
        digest[str(path.relative_to(root))] = hashlib.md5(content).hexdigest()
    return digest


def test_killed_corpus_synthesis_resumes_to_identical_output(tmp_path: Path) -> None:
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    assert _run_corpus(clean).wait(timeout=300) == 0

    proc = _run_corpus(killed)
    deadline = time.time() + 120
    while len(list((killed / "audio").rglob("*.wav"))) < 30:
        assert (
            proc.poll() is None
        ), "synthesis finished before it could be killed; make the corpus bigger"
        assert time.time() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    written = len(list((killed / "audio").rglob("*.wav")))
    assert 30 <= written < 200, "the kill should land midway"
    assert not (
        killed / "data" / "test" / "text"
    ).exists(), "data dirs are written only after all audio"

    assert _run_corpus(killed).wait(timeout=300) == 0
    assert _digest(killed) == _digest(clean)


def test_atomic_open_keeps_old_file_when_interrupted(tmp_path: Path) -> None:
    target = tmp_path / "text"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as handle:
            handle.write("half of the new content")
            raise RuntimeError("killed")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["text"]
