"""Mixed precision: the parts of a model that stay fp32 under autocast.

ESPnet's trainer runs the forward under ``torch.cuda.amp.autocast`` with ``--use_amp true`` (bf16
on GPUs that support it, else fp16). The encoder's matrix products gain from that; numerically
sensitive heads do not: the wav2vec 2.0 contrastive logits (cosine / 0.1 over M^2 frame pairs),
the Gumbel code selection and the RNN-T loss are computed in fp32 inside :func:`fp32_region`.
"""

from __future__ import annotations

import contextlib
from typing import ContextManager

import torch

AUTOCAST_DEVICE_TYPES = ("cuda", "cpu", "xpu")


def fp32_region(device: torch.device) -> ContextManager[None]:
    """A context in which autocast is off for ``device``'s type (a no-op where autocast is not)."""
    if device.type not in AUTOCAST_DEVICE_TYPES:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, enabled=False)
