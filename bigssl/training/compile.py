"""``torch.compile`` for the encoder's blocks, keeping the checkpoint ESPnet-loadable.

Each block of the encoder stack is compiled in place (``nn.Module.compile``), so parameter names
and ``state_dict`` keys are those of the stock ESPnet encoder: a compiled run's checkpoints load
into uncompiled models (fine-tuning, ``Speech2Text``). Compiling fuses the elementwise work
between the matrix products (casts under autocast, norms, activations, dropout), which is most of
the step time of ESPnet's Conformer on a GPU: bench/README.md has the measured speed-up.
"""

from __future__ import annotations

import torch


def compile_encoder_blocks(encoder: torch.nn.Module, backend: str = "inductor") -> int:
    """Compile every block of ``encoder.encoders`` in place; returns how many were compiled."""
    blocks = getattr(encoder, "encoders", None)
    if blocks is None:
        raise ValueError(
            f"{type(encoder).__name__} has no 'encoders' block stack to compile"
        )
    for block in blocks:
        block.compile(backend=backend)
    return len(blocks)
