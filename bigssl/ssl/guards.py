"""Run guard for pretraining: stop on a non-finite loss and say where to resume from.

ESPnet's trainer only skips an update whose *gradient* norm is non-finite and carries on, so a
diverged run could go on silently. The pretraining model checks its loss every forward pass
(agreeing across ranks under torch.distributed, so all ranks stop together) and raises
:class:`NonFiniteLossError` naming the step and the last checkpoint in the experiment dir. The
check lives in the model rather than in a Trainer subclass because ESPnet refuses custom trainers
with DeepSpeed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional

import torch


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or infinite; ``step`` counts training forward passes."""

    def __init__(self, message: str, step: int) -> None:
        super().__init__(message)
        self.step = step


def all_ranks_finite(value: torch.Tensor) -> bool:
    """True if ``value`` is finite here and, under torch.distributed, on every rank."""
    bad = (~torch.isfinite(value.detach())).any().to(torch.int32).reshape(1)
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.all_reduce(bad)
    return int(bad.item()) == 0


def last_checkpoint(output_dir: Optional[Path]) -> Optional[str]:
    """Describe the newest resumable state in an ESPnet output dir, or None if there is none."""
    if output_dir is None:
        return None
    checkpoint = Path(output_dir) / "checkpoint.pth"
    if not checkpoint.exists():
        return None
    latest = Path(output_dir) / "latest.pth"
    if latest.is_symlink():
        epochs = os.readlink(latest).replace("epoch.pth", "")
        return f"{checkpoint} (saved after epoch {epochs})"
    return str(checkpoint)


def nonfinite_error(
    step: int, training: bool, values: Dict[str, float], output_dir: Optional[Path]
) -> NonFiniteLossError:
    """Build the error for a non-finite loss at ``step``."""
    phase = (
        f"training step {step}"
        if training
        else f"validation after {step} training steps"
    )
    shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
    where = last_checkpoint(output_dir)
    if where is not None:
        hint = (
            f"Last good checkpoint: {where}; resume it with --resume true, e.g. with a lower "
            f"learning rate, a longer warmup or gradient clipping."
        )
    else:
        hint = "No checkpoint had been written yet; restart with a lower learning rate."
    return NonFiniteLossError(f"non-finite loss at {phase} ({shown}). {hint}", step)
