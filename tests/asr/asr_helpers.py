"""Shared fixtures of the ASR tests: a one-block Conformer small enough to train in a test."""

from __future__ import annotations

from typing import Dict

TINY_ENCODER: Dict[str, object] = {
    "output_size": 32,
    "attention_heads": 2,
    "linear_units": 64,
    "num_blocks": 1,
    "cnn_module_kernel": 3,
    "input_layer": "conv2d",
    "use_flash_attn": False,
}
