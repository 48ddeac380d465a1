"""cmd.sh backends (Kaldi run.pl/slurm.pl interface): local job arrays, the sbatch job a Slurm call
makes (with a fake sbatch/srun), the backend choice, the training launch modes, and that no stage
still uses a launcher as a bare command prefix."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from tests.conftest import REPO

TEMPLATE = REPO / "egs/TEMPLATE/asr1"
RUN_LOCAL = TEMPLATE / "utils/run_local.sh"
RUN_SLURM = TEMPLATE / "utils/run_slurm.sh"

FAKE_SBATCH = r"""#!/usr/bin/env bash
# records its arguments, then runs the job script once per array task (like 'sbatch --wait')
printf '%s\n' "$@" > "${FAKE_DIR}/sbatch.args"
script="${@: -1}"; array=""
for a in "$@"; do case "$a" in --array=*) array="${a#--array=}" ;; esac; done
rc=0
if [ -n "${array}" ]; then
  range="${array%%\%*}"
  for id in $(seq "${range%-*}" "${range#*-}"); do
    SLURM_JOB_ID=42 SLURM_ARRAY_TASK_ID="${id}" bash "${script}" || rc=1
  done
else
  SLURM_JOB_ID=42 bash "${script}" || rc=$?
fi
exit "${rc}"
"""
FAKE_SRUN = r"""#!/usr/bin/env bash
printf '%s\n' "$@" > "${FAKE_DIR}/srun.args"
while [ $# -gt 0 ] && [[ "$1" == --* ]]; do shift; done
exec "$@"
"""


def _run(args: List[str], cwd: Path, env: Dict[str, str] | None = None):
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_local_job_array_substitutes_job_logs_and_names_failed_tasks(
    tmp_path: Path,
) -> None:
    # each task: counts the tasks running beside it, fails for JOB=2 and JOB=4
    task = (
        'touch run/JOB; sleep 0.3; ls run | wc -l > count.JOB; rm run/JOB; echo "out JOB $0"; '
        "[ JOB != 2 ] && [ JOB != 4 ]"
    )
    (tmp_path / "run").mkdir()
    result = _run(
        [
            str(RUN_LOCAL),
            "--max_jobs_run",
            "2",
            "--num_threads",
            "1",
            "--mem",
            "1G",
            "JOB=1:5",
            "exp/log/task.JOB.log",
            "bash",
            "-c",
            task,
            "arg with spaces",
        ],
        tmp_path,
    )
    assert result.returncode != 0
    assert "2 / 5 failed (JOB=2 4)" in result.stderr
    assert (
        "exp/log/task.2.log" in result.stderr and "exp/log/task.4.log" in result.stderr
    )
    for job in range(1, 6):
        lines = (tmp_path / f"exp/log/task.{job}.log").read_text().splitlines()
        assert lines[0].startswith("# bash -c ") and f"count.{job}" in lines[0]
        assert f"out {job} arg with spaces" in lines
        code = 1 if job in (2, 4) else 0
        assert lines[-1].startswith(f"# Ended (code {code}) at ")
        assert (
            1 <= int((tmp_path / f"count.{job}").read_text()) <= 2
        )  # --max_jobs_run 2

    single = _run([str(RUN_LOCAL), "one.log", "echo", "a  b", "JOB"], tmp_path)
    assert single.returncode == 0, single.stderr
    assert "a  b JOB" in (tmp_path / "one.log").read_text()  # no array: JOB stays

    for bad in (
        ["JOB=1:2", "no_job_in_name.log", "true"],
        ["JOB=1:N", "x.JOB.log", "true"],
        ["--num_nodes", "2", "x.log", "true"],
        ["--bogus", "1", "x.log", "true"],
    ):
        assert _run([str(RUN_LOCAL), *bad], tmp_path).returncode == 2, bad


@pytest.fixture
def fake_slurm(tmp_path: Path) -> Dict[str, str]:
    fake = tmp_path / "fake"
    fake.mkdir()
    for name, text in (("sbatch", FAKE_SBATCH), ("srun", FAKE_SRUN)):
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    return {
        "FAKE_DIR": str(fake),
        "BIGSSL_SBATCH": str(fake / "sbatch"),
        "BIGSSL_SRUN": str(fake / "srun"),
        "BIGSSL_SBATCH_OPTS": "--partition=gpu --time=1:00:00",
    }


def _slurm(
    cwd: Path, env: Dict[str, str], options: str, log: str, command: List[str]
) -> subprocess.CompletedProcess:
    """run_slurm.sh OPTIONS [JOB=a:b] LOG COMMAND; OPTIONS and "[JOB=a:b] LOG" as words in a string."""
    return _run([str(RUN_SLURM), *options.split(), *log.split(), *command], cwd, env)


def test_slurm_array_becomes_one_sbatch_wait_job(
    tmp_path: Path, fake_slurm: Dict[str, str]
) -> None:
    options = "--gpu 2 --num_threads 4 --mem 8G --max_jobs_run 2"
    command = ["bash", "-c", 'echo "task JOB on $0"; [ JOB != 3 ]', "x y"]
    result = _slurm(
        tmp_path, fake_slurm, options, "JOB=1:3 exp/log/decode.JOB.log", command
    )
    assert result.returncode != 0
    assert "1 / 3 failed (JOB=3)" in result.stderr and "decode.3.log" in result.stderr
    args = (Path(fake_slurm["FAKE_DIR"]) / "sbatch.args").read_text().splitlines()
    script = tmp_path / "exp/log/q/decode.sh"
    assert args[-1] == str(script) and script.is_file()
    for expected in (
        "--wait",
        "--array=1-3%2",
        "--gpus-per-node=2",
        "--cpus-per-task=4",
        "--mem=8G",
        "--nodes=1",
        "--partition=gpu",
        "--time=1:00:00",
        f"--output={tmp_path}/exp/log/q/decode.%a.out",
    ):
        assert expected in args, (expected, args)
    text = script.read_text()
    assert "SLURM_ARRAY_TASK_ID" in text and "srun" not in text.split("launch=")[1][:10]
    for job in (1, 2, 3):
        lines = (tmp_path / f"exp/log/decode.{job}.log").read_text().splitlines()
        assert lines[0].startswith("# bash -c ") and "Slurm job 42_" in lines[1]
        assert f"task {job} on x y" in lines
        assert lines[-1].startswith(f"# Ended (code {int(job == 3)}) at ")


def test_slurm_multi_node_runs_the_command_under_srun_once_per_node(
    tmp_path: Path, fake_slurm: Dict[str, str]
) -> None:
    result = _slurm(
        tmp_path,
        fake_slurm,
        "--gpu 8 --num_nodes 2",
        "exp/train.log",
        ["echo", "trained"],
    )
    assert result.returncode == 0, result.stderr
    args = (Path(fake_slurm["FAKE_DIR"]) / "sbatch.args").read_text().splitlines()
    assert "--nodes=2" in args and "--gpus-per-node=8" in args
    assert not any(a.startswith("--array") for a in args)
    srun = (Path(fake_slurm["FAKE_DIR"]) / "srun.args").read_text().splitlines()
    assert srun[:3] == ["--kill-on-bad-exit=1", "--nodes=2", "--ntasks-per-node=1"]
    assert srun[3:] == ["echo", "trained"]
    assert "trained" in (tmp_path / "exp/train.log").read_text().splitlines()
    bad = _slurm(tmp_path, fake_slurm, "--num_nodes 2", "JOB=1:2 l.JOB.log", ["true"])
    assert bad.returncode == 2


def _bash(script: str, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return _run(["bash", "-c", script], TEMPLATE, env)


def _stage_helper(settings: str, call: str, show: str) -> List[str]:
    """Run a stages/common.sh helper under the local backend; ``show``'s fields, split on '|'."""
    script = f'{settings}; . stages/common.sh; . ./cmd.sh; {call}; echo "{show}"'
    env = {"cmd_backend": "local", "train_cmd": "", "cuda_cmd": "", "decode_cmd": ""}
    result = _bash(script, env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


def test_cmd_sh_chooses_the_backend() -> None:
    show = '. ./cmd.sh && echo "$train_cmd|$decode_cmd|$cuda_cmd"'
    env = {k: "" for k in ("train_cmd", "decode_cmd", "cuda_cmd")}
    local = _bash(show, {**env, "cmd_backend": "local"}).stdout.strip().split("|")
    assert [Path(p) for p in local] == [RUN_LOCAL] * 3
    slurm = _bash(show, {**env, "cmd_backend": "slurm"}).stdout.strip().split("|")
    assert [Path(p) for p in slurm] == [RUN_SLURM] * 3
    assert _bash(show, {**env, "cmd_backend": "sge"}).returncode != 0


@pytest.mark.parametrize(
    "options,launch,python,dist",
    [
        ("ngpu=0 num_procs=1", "run_local.sh", "python", "--ngpu 0"),
        (
            "ngpu=0 num_procs=2",
            "run_local.sh --num_threads 2",
            "python -m torch.distributed.run --standalone --nnodes 1 --nproc_per_node 2",
            "--ngpu 0 --multiprocessing_distributed false --dist_backend gloo",
        ),
        (
            "ngpu=8 num_procs=1",
            "run_local.sh --gpu 8",
            "python",
            "--ngpu 8 --multiprocessing_distributed true --dist_backend nccl",
        ),
        (
            "ngpu=8 num_nodes=2 dist_launcher=slurm",
            "run_local.sh --gpu 8 --num_nodes 2",
            "python",
            "--ngpu 8 --multiprocessing_distributed true --dist_backend nccl "
            "--dist_launcher slurm --dist_init_method file://EXP/.dist_init",
        ),
    ],
)
def test_training_launch_modes(
    tmp_path: Path, options: str, launch: str, python: str, dist: str
) -> None:
    got = _stage_helper(
        options,
        f"set_train_launch {tmp_path}",
        "${train_launch[*]}|${train_python[*]}|${train_dist[*]}",
    )
    assert got[0] == f"{RUN_LOCAL.parent}/{launch}"
    assert got[1:] == [python, dist.replace("EXP", str(tmp_path))]


def test_no_stage_uses_a_launcher_as_a_bare_prefix() -> None:
    prefix = re.compile(r"\$\{?(train|decode|cuda)_cmd\}?\s+(python|bash)\b")
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for path in sorted((REPO / "egs").rglob("*.sh"))
        if path.is_file() and not path.is_symlink()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if prefix.search(line)
    ]
    assert offenders == []


def test_local_gpu_slots_give_each_task_its_own_gpus(tmp_path: Path) -> None:
    """--gpu 1 over GPUs 3,5: tasks alternate between them and a GPU never runs two tasks at once."""
    body = 'echo "gpu=$CUDA_VISIBLE_DEVICES $(date +%s%N)"; sleep 0.3; echo "end $(date +%s%N)"'
    env = {"CUDA_VISIBLE_DEVICES": "3,5"}
    result = _run(
        [str(RUN_LOCAL), "--gpu", "1", "JOB=1:5", "log/t.JOB.log", "bash", "-c", body],
        tmp_path,
        env,
    )
    assert result.returncode == 0, result.stderr
    spans: Dict[str, list] = {}
    for job in range(1, 6):
        lines = (tmp_path / f"log/t.{job}.log").read_text().splitlines()
        gpu, start = next(line for line in lines if line.startswith("gpu=")).split()
        end = int(next(line for line in lines if line.startswith("end ")).split()[1])
        assert gpu == ("gpu=3" if job % 2 else "gpu=5"), (job, gpu)
        spans.setdefault(gpu, []).append((int(start), end))
    for gpu, runs in spans.items():
        runs.sort()
        assert all(
            a_end <= b_start for (_, a_end), (b_start, _) in zip(runs, runs[1:])
        ), gpu
    two = _run(
        [
            str(RUN_LOCAL),
            "--gpu",
            "2",
            "l.log",
            "bash",
            "-c",
            "echo gpu=$CUDA_VISIBLE_DEVICES",
        ],
        tmp_path,
        {"CUDA_VISIBLE_DEVICES": "0,1,2,3"},
    )
    assert two.returncode == 0 and "gpu=0,1" in (tmp_path / "l.log").read_text()


def test_local_gpu_request_without_gpus_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(
        [str(RUN_LOCAL), "--gpu", "1", "l.log", "true"],
        tmp_path,
        {"CUDA_VISIBLE_DEVICES": ""},
    )
    assert result.returncode == 2
    assert "--gpu 1: this machine shows 0 GPU(s)" in result.stderr
    assert not (tmp_path / "l.log").exists()


@pytest.mark.parametrize(
    "flag,launch,device",
    [
        ("false", "run_local.sh", "--device cpu"),
        ("true", "run_local.sh --gpu 1", "--device cuda"),
    ],
)
def test_inference_launch_follows_gpu_inference(
    flag: str, launch: str, device: str
) -> None:
    got = _stage_helper(
        f"gpu_inference={flag}",
        "set_inference_launch",
        "${infer_cmd}|${infer_device[*]}",
    )
    assert got == [f"{RUN_LOCAL.parent}/{launch}", device]
