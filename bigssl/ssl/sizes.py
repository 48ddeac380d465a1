"""Parameter counts and training-memory estimates of pretraining configs, without weights.

The model is built on torch's ``meta`` device (shapes only, no storage), so an 8B-parameter config
is inspected in seconds on a laptop. Activation memory is measured by running the encoder forward
on meta tensors and summing the tensors autograd saves for backward (parameters excluded); it
covers the encoder, which dominates, and is per utterance of a given length.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import torch

from bigssl.ssl.encoder_io import contextualize, subsample

# fp32 weights (4) + fp32 gradients (4) + Adam first and second moments (4 + 4).
BYTES_PER_PARAM_ADAM_FP32 = 16


@dataclass
class ModelInfo:
    """Sizes of one pretraining config."""

    config: str
    total_params: int
    encoder_params: int
    encoder_layers: int
    model_dim: int
    attention_heads: int
    ffn_dim: int
    conv_kernel: Optional[int]
    activation_bytes: Optional[int]
    activation_seconds: float

    @property
    def head_params(self) -> int:
        """Parameters outside the encoder (mask embedding, target and context projections)."""
        return self.total_params - self.encoder_params

    @property
    def state_bytes(self) -> int:
        """Weights + gradients + Adam states in fp32."""
        return self.total_params * BYTES_PER_PARAM_ADAM_FP32

    def report(self) -> str:
        """Human-readable summary."""
        gib = 2.0**30
        lines = [
            f"config: {self.config}",
            f"encoder: {self.encoder_layers} layers, d={self.model_dim}, "
            f"{self.attention_heads} heads, ffn={self.ffn_dim}, conv kernel={self.conv_kernel}",
            f"parameters: {self.total_params / 1e9:.3f}B total "
            f"(encoder {self.encoder_params / 1e9:.3f}B, pretraining heads "
            f"{self.head_params / 1e6:.2f}M)",
            f"training memory, weights + grads + Adam states (fp32, "
            f"{BYTES_PER_PARAM_ADAM_FP32} B/param): {self.state_bytes / gib:.2f} GiB "
            f"(weights alone {self.total_params * 4 / gib:.2f} GiB)",
        ]
        if self.activation_bytes is not None:
            lines.append(
                f"activations (not included above): ~{self.activation_bytes / gib:.2f} GiB per "
                f"{self.activation_seconds:g} s utterance in training at fp32 (encoder tensors "
                f"saved for backward); they grow linearly with the audio in a batch (attention "
                f"quadratically with utterance length), roughly halve with --use_amp, and shrink "
                f"further with activation checkpointing"
            )
        else:
            lines.append(
                "activations: not estimated (encoder does not run on the meta device)"
            )
        return "\n".join(lines)


def build_meta_model(
    config: Path, extra_args: Optional[List[str]] = None
) -> Tuple[torch.nn.Module, int]:
    """Build the BigSSLTask model of ``config`` on the meta device (no weight storage).

    Returns the model and its feature dimension at the encoder input.
    """
    from bigssl.ssl.task import BigSSLTask

    parser = BigSSLTask.get_parser()
    args = parser.parse_args(
        ["--config", str(config), "--output_dir", "model_info_unused"]
        + list(extra_args or [])
    )
    if args.normalize == "global_mvn":
        args.normalize = (
            None  # its stats file is irrelevant to sizes and may not exist yet
        )
    with torch.device("meta"):
        model = BigSSLTask.build_model(args)
    # A few ESPnet modules create parameters with legacy constructors that ignore the device
    # context (e.g. relative-position biases); move those few to meta too.
    input_size = (
        model.frontend.output_size() if model.frontend is not None else args.input_size
    )
    return model.to("meta"), input_size


def frames_per_second(model: torch.nn.Module) -> float:
    """Feature frames per second of audio at the encoder input."""
    frontend = getattr(model, "frontend", None)
    hop = getattr(frontend, "hop_length", None)
    fs = getattr(getattr(frontend, "logmel", None), "mel_options", {}).get("sr", 16000)
    if hop is None:
        return 100.0
    return fs / hop


def activation_bytes(
    model: torch.nn.Module, feat_dim: int, seconds: float
) -> Optional[int]:
    """Bytes autograd saves in the encoder for one utterance of ``seconds`` (meta tensors)."""
    encoder = model.encoder
    frames = int(seconds * frames_per_second(model)) + 1
    params = {id(p) for p in model.parameters()}
    saved: dict = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        base = tensor._base if tensor._base is not None else tensor
        if id(tensor) not in params and id(base) not in params:
            saved[id(tensor)] = tensor
        return tensor

    was_training = encoder.training
    encoder.train()
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            feats = torch.empty(1, frames, feat_dim, device="meta")
            z, masks = subsample(encoder, feats, torch.tensor([frames]))
            contextualize(encoder, z, masks)
    except (RuntimeError, NotImplementedError):
        return None
    finally:
        encoder.train(was_training)
    return sum(t.numel() * t.element_size() for t in saved.values())


def model_info(
    config: Path, extra_args: Optional[List[str]] = None, seconds: float = 10.0
) -> ModelInfo:
    """Count parameters and estimate training memory of a pretraining config."""
    model, input_size = build_meta_model(config, extra_args)
    encoder = model.encoder
    layer = encoder.encoders[0]
    conv = getattr(layer, "conv_module", None)
    heads = getattr(getattr(layer, "self_attn", None), "h", 0)
    ffn = layer.feed_forward.w_1.out_features if hasattr(layer, "feed_forward") else 0
    return ModelInfo(
        config=str(config),
        total_params=sum(p.numel() for p in model.parameters()),
        encoder_params=sum(p.numel() for p in encoder.parameters()),
        encoder_layers=len(encoder.encoders),
        model_dim=encoder.output_size(),
        attention_heads=heads,
        ffn_dim=ffn,
        conv_kernel=conv.depthwise_conv.kernel_size[0] if conv is not None else None,
        activation_bytes=activation_bytes(model, input_size, seconds),
        activation_seconds=seconds,
    )


def print_model_info(
    configs: Sequence[Path], seconds: float = 10.0, as_json: bool = False
) -> None:
    """Print :func:`model_info` of each config: a report, or one JSON object per config."""
    import json
    import logging
    from dataclasses import asdict

    logging.disable(logging.WARNING)  # ESPnet's legacy-positional-encoding notices
    for i, config in enumerate(configs):
        info = model_info(config, seconds=seconds)
        if as_json:
            print(json.dumps(dict(asdict(info), state_bytes=info.state_bytes)))
        else:
            print(("\n" if i else "") + info.report())
