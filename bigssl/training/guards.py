"""Run guards: stop on a non-finite loss and say where to resume from.

ESPnet's trainer only skips an update whose *gradient* norm is non-finite and carries on, so a
diverged run could go on silently. The checks agree across ranks under torch.distributed (all ranks
stop together) and raise :class:`NonFiniteLossError` naming the step and the last checkpoint in
the experiment dir (resume it with ``--resume true``: the curve continues from that epoch).

- Pretraining (bigssl.ssl.model) checks its loss every forward pass and stops at the first
  non-finite one.
- Fine-tuning and NST students (bigssl.asr.task) get :class:`NonFiniteLossGuard`, a forward hook on
  the stock ESPnet model (nothing is added to its weights): each non-finite training loss is logged
  with its step and ESPnet skips that update; ``patience`` of them in a row stop the run.

The checks live in the model rather than in a Trainer subclass because ESPnet refuses custom
trainers with DeepSpeed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Dict, Optional

import torch

logger = logging.getLogger(__name__)


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or infinite; ``step`` counts training forward passes."""

    def __init__(self, message: str, step: int) -> None:
        super().__init__(message)
        self.step = step


def all_ranks_finite(value: torch.Tensor, across_ranks: bool = True) -> bool:
    """True if ``value`` is finite here and, under torch.distributed with ``across_ranks``, on every
    rank. Pass ``across_ranks=False`` for forward passes that not every rank makes (ESPnet plots
    attention on rank 0 only, with the model in eval mode): a collective there would wait forever
    for, or crash against, the other ranks."""
    bad = (~torch.isfinite(value.detach())).any().to(torch.int32).reshape(1)
    distributed = (
        torch.distributed.is_available() and torch.distributed.is_initialized()
    )
    if across_ranks and distributed:
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
    step: int,
    training: bool,
    values: Dict[str, float],
    output_dir: Optional[Path],
    detail: str = "",
) -> NonFiniteLossError:
    """Build the error for a non-finite loss at ``step`` (``detail`` is appended in parentheses)."""
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
    suffix = f" ({detail})" if detail else ""
    return NonFiniteLossError(
        f"non-finite loss at {phase} ({shown}). {hint}{suffix}", step
    )


class NonFiniteLossGuard:
    """Forward hook of an ESPnet model: count training forward passes, watch the loss (output[0]).

    A non-finite loss is logged with its step (ESPnet's trainer then skips the update, since its
    gradient norm is non-finite too); ``patience`` non-finite losses in a row raise
    :class:`NonFiniteLossError`. Steps count the training forward passes of this process (a resumed
    run counts from its start).
    """

    def __init__(self, output_dir: Optional[Path], patience: int) -> None:
        if patience < 1:
            raise ValueError(f"patience must be >= 1, not {patience}")
        self.output_dir = output_dir
        self.patience = patience
        self.step = 0
        self.in_a_row = 0

    def __call__(self, module: torch.nn.Module, inputs: Any, output: Any) -> None:
        if not module.training:
            return
        self.step += 1
        loss = output[0] if isinstance(output, (tuple, list)) else output
        if all_ranks_finite(loss):
            self.in_a_row = 0
            return
        self.in_a_row += 1
        values = {"loss": float(loss.detach().float().mean())}
        if self.in_a_row >= self.patience:
            raise nonfinite_error(
                self.step,
                True,
                values,
                self.output_dir,
                detail=f"{self.in_a_row} non-finite losses in a row",
            )
        logger.warning(
            "non-finite loss at training step %d (loss=%s): ESPnet skips this update; %d in a row "
            "stop the run (--nonfinite_loss_patience)",
            self.step,
            values["loss"],
            self.patience,
        )

    def install(self, model: torch.nn.Module) -> torch.nn.Module:
        """Register the hook on ``model`` and return the model."""
        model.register_forward_hook(self)
        return model
