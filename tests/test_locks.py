"""One run per experiment: stages/common.sh lock_dir stops a second command on the same dir at once,
naming the first, inherits into the stages a locking stage runs, and leaves no stale lock when killed."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import REPO

TEMPLATE = REPO / "egs/TEMPLATE/asr1"


def _bash(script: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        ["bash", "-c", f". stages/common.sh; {script}"],
        cwd=TEMPLATE,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _finish(script: str, **env: str) -> subprocess.CompletedProcess:
    proc = _bash(script, **env)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_a_second_run_on_a_locked_dir_stops_naming_the_first(tmp_path: Path) -> None:
    exp = tmp_path / "exp" / "asr_x"
    first = _bash(
        f"lock_dir {exp}; sleep 60 & wait", BIGSSL_EXP_COMMAND="./run.sh --first"
    )
    try:
        deadline = time.time() + 30
        while not (exp / ".lock.owner").is_file() and time.time() < deadline:
            time.sleep(0.1)
        second = _finish(
            f"lock_dir {exp}; echo GOT", BIGSSL_EXP_COMMAND="./run.sh --2nd"
        )
        assert second.returncode == 1 and "GOT" not in second.stdout
        assert f"{exp} is in use by another run (pid {first.pid} since" in second.stdout
        assert "./run.sh --first" in second.stdout
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # as a crash would: no cleanup runs
        first.wait(timeout=30)
    # the kernel released the killed run's lock: nothing stale to remove by hand
    third = _finish(f"lock_dir {exp}; echo GOT")
    assert third.returncode == 0 and "GOT" in third.stdout, third.stdout + third.stderr


def test_stages_run_by_the_lock_holder_inherit_its_lock(tmp_path: Path) -> None:
    exp = tmp_path / "nst_iter1"
    result = _finish(
        f"lock_dir {exp}; bash -c '. stages/common.sh; lock_dir {exp}; echo NESTED'"
    )
    assert result.returncode == 0 and "NESTED" in result.stdout, result.stderr
