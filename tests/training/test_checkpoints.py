"""Kill-safe checkpoints: atomic torch.save, the fallback to the previous checkpoint, and a real resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import torch

from bigssl.training.checkpoints import (
    CHECKPOINT,
    FAULT_ENV,
    PREVIOUS,
    PREVIOUS_SNAPSHOT,
    atomic_torch_saves,
    repair_checkpoint,
    unreadable_reason,
)


def _save_state(path: Path, epoch: int) -> None:
    """An ESPnet-like checkpoint of ``epoch`` and its (empty) epoch snapshot."""
    torch.save(
        {"reporter": {"epoch": epoch}, "weight": torch.full((64,), float(epoch))}, path
    )
    if path.name == CHECKPOINT:
        (path.parent / f"{epoch}epoch.pth").write_bytes(b"")


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_saves_are_atomic_and_keep_the_previous_checkpoint(tmp_path: Path) -> None:
    checkpoint = tmp_path / CHECKPOINT
    with atomic_torch_saves():
        _save_state(checkpoint, 1)
        assert not (tmp_path / PREVIOUS).exists()
        _save_state(checkpoint, 2)
    assert torch.load(checkpoint, weights_only=False)["reporter"]["epoch"] == 2
    assert torch.load(tmp_path / PREVIOUS, weights_only=False)["reporter"]["epoch"] == 1
    assert sorted(
        p.name for p in tmp_path.iterdir() if "epoch" not in p.name
    ) == sorted([CHECKPOINT, PREVIOUS, PREVIOUS_SNAPSHOT])
    assert os.path.samefile(tmp_path / PREVIOUS_SNAPSHOT, tmp_path / "1epoch.pth")
    assert (
        torch.save.__module__ == "torch.serialization"
    ), "the wrapper must be removed after the block"


def test_a_truncated_checkpoint_breaks_espnets_resume_and_the_repair_falls_back(
    tmp_path: Path,
) -> None:
    """The failure of issue 10 (every rerun died in ESPnet's resume) and its repair."""
    checkpoint = tmp_path / CHECKPOINT
    with atomic_torch_saves():
        _save_state(checkpoint, 1)
        _save_state(checkpoint, 2)
    _truncate(checkpoint)
    with pytest.raises(Exception):
        torch.load(checkpoint, weights_only=False)
    assert unreadable_reason(checkpoint) is not None

    message = repair_checkpoint(tmp_path)
    assert "cannot be resumed from" in message and "saved before it" in message
    assert torch.load(checkpoint, weights_only=False)["reporter"]["epoch"] == 1
    assert (tmp_path / (CHECKPOINT + ".unreadable")).exists()
    assert unreadable_reason(checkpoint) is None


def test_the_fallback_keeps_its_snapshot_after_keep_nbest_deleted_it(
    tmp_path: Path,
) -> None:
    """Issue 23: checkpoint.pth unreadable and 1epoch.pth already deleted by keep_nbest_models:
    the repair said the snapshot "was never written" and training started over from epoch 1.
    """
    checkpoint = tmp_path / CHECKPOINT
    with atomic_torch_saves():
        _save_state(checkpoint, 1)
        (tmp_path / "1epoch.pth").write_bytes(b"snapshot of epoch 1")
        _save_state(checkpoint, 2)
    (
        tmp_path / "1epoch.pth"
    ).unlink()  # keep_nbest_models: epoch 1 is not among the best
    _truncate(checkpoint)
    message = repair_checkpoint(tmp_path)
    assert "starts over" not in message
    assert "resuming from the checkpoint saved before it" in message
    assert "after epoch 1; 1epoch.pth restored from" in message
    assert torch.load(checkpoint, weights_only=False)["reporter"]["epoch"] == 1
    assert (tmp_path / "1epoch.pth").read_bytes() == b"snapshot of epoch 1"


def test_repair_without_a_readable_previous_starts_over(tmp_path: Path) -> None:
    (tmp_path / CHECKPOINT).write_bytes(b"")
    message = repair_checkpoint(tmp_path)
    assert "starts over from epoch 1" in message
    assert not (tmp_path / CHECKPOINT).exists()


def test_a_readable_checkpoint_is_left_alone(tmp_path: Path) -> None:
    _save_state(tmp_path / CHECKPOINT, 3)
    before = (tmp_path / CHECKPOINT).read_bytes()
    (tmp_path / "3epoch.pth").write_bytes(b"")
    assert "is resumable" in repair_checkpoint(tmp_path)
    assert (tmp_path / CHECKPOINT).read_bytes() == before


def test_a_kill_between_write_and_rename_leaves_the_old_file(tmp_path: Path) -> None:
    checkpoint = tmp_path / CHECKPOINT
    _save_state(checkpoint, 1)
    before = checkpoint.read_bytes()
    code = (
        "import torch, sys\n"
        "from bigssl.training.checkpoints import atomic_torch_saves\n"
        "with atomic_torch_saves():\n"
        "    torch.save({'reporter': {'epoch': 2}}, sys.argv[1])\n"
    )
    env = dict(os.environ, **{FAULT_ENV: CHECKPOINT})
    result = subprocess.run([sys.executable, "-c", code, str(checkpoint)], env=env)
    assert result.returncode == -signal.SIGKILL
    assert checkpoint.read_bytes() == before
    leftovers = [
        p.name for p in tmp_path.iterdir() if p.name not in (CHECKPOINT, "1epoch.pth")
    ]
    assert leftovers and all(
        name.startswith(f".{CHECKPOINT}.tmp") for name in leftovers
    )
    assert "removed 1 temporary file" in repair_checkpoint(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1epoch.pth", CHECKPOINT]


def _lm_train(workdir: Path, epochs: int, env: dict) -> subprocess.CompletedProcess:
    cmd: List[str] = [
        sys.executable,
        "-m",
        "bigssl.bin.lm_train",
        "--output_dir",
        str(workdir / "exp"),
        "--token_type",
        "char",
        "--token_list",
        str(workdir / "tokens.txt"),
        "--train_data_path_and_name_and_type",
        f"{workdir / 'text'},text,text",
        "--valid_data_path_and_name_and_type",
        f"{workdir / 'text'},text,text",
        "--train_shape_file",
        str(workdir / "shape"),
        "--valid_shape_file",
        str(workdir / "shape"),
        "--batch_type",
        "unsorted",
        "--batch_size",
        "4",
        "--lm_conf",
        "unit=16",
        "--lm_conf",
        "nlayers=1",
        "--max_epoch",
        str(epochs),
        "--resume",
        "true",
        "--ngpu",
        "0",
        "--num_workers",
        "0",
        "--use_preprocessor",
        "true",
        "--cleaner",
        "none",
        "--seed",
        "0",
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_espnet_training_resumes_past_a_kill_inside_a_checkpoint_write(
    tmp_path: Path,
) -> None:
    """Through ESPnet's trainer (the LM task): killed inside the write of epoch 2's snapshot (after
    epoch 2's checkpoint), then a truncated checkpoint on disk; both reruns finish, from the epoch
    before (its snapshot, needed by the model averaging, exists)."""
    sentences = ["a b c", "b c a", "c a b a", "a a b", "c c b a", "b a"]
    (tmp_path / "text").write_text(
        "".join(f"s{i} {s}\n" for i, s in enumerate(sentences))
    )
    (tmp_path / "shape").write_text(
        "".join(f"s{i} {len(s)}\n" for i, s in enumerate(sentences))
    )
    (tmp_path / "tokens.txt").write_text(
        "<blank>\n<unk>\na\nb\nc\n<space>\n<sos/eos>\n"
    )
    exp = tmp_path / "exp"
    env = dict(os.environ, OMP_NUM_THREADS="1")

    killed = _lm_train(tmp_path, 2, dict(env, **{FAULT_ENV: "2epoch.pth"}))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not (exp / "2epoch.pth").exists() and (exp / "1epoch.pth").exists()

    resumed = _lm_train(tmp_path, 2, env)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "removed 1 temporary file" in resumed.stderr
    assert "2epoch.pth is missing" in resumed.stderr
    assert "resuming from the checkpoint saved before it" in resumed.stderr
    assert torch.load(exp / CHECKPOINT, weights_only=False)["reporter"]["epoch"] == 2

    _truncate(exp / CHECKPOINT)
    extended = _lm_train(tmp_path, 3, env)
    assert extended.returncode == 0, extended.stderr[-2000:]
    assert "resuming from the checkpoint saved before it" in extended.stderr
    states = torch.load(exp / CHECKPOINT, weights_only=False)
    assert states["reporter"]["epoch"] == 3
    assert (exp / "3epoch.pth").exists() and (exp / "valid.loss.best.pth").exists()
