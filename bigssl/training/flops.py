"""Floating-point operations of ESPnet's Conformer encoder and bigssl's heads, counted analytically.

One multiply-add counts as 2 FLOPs. For a batch of ``B`` utterances of ``T`` feature frames
(``F`` mel bins), model width ``d``, feed-forward width ``f``, conv kernel ``k`` and
``L`` frames after subsampling, the forward pass costs

* subsampling (``conv2d``: two 3x3 stride-2 convolutions with d channels, then a linear layer):
  ``2 B (9 d T1 F1 + 9 d^2 L F2 + d^2 F2 L)`` with ``(T1, F1)`` and ``(T2 = L, F2)`` the
  convolutions' output sizes (``conv2d6``/``conv2d8`` likewise with their convolutions; ``linear``:
  ``2 B T F d``, no subsampling);
* per block, per utterance: feed-forward modules ``n_ffn x 4 L d f`` (``n_ffn`` = 2 with the
  macaron style), attention projections (q, k, v, out) ``8 L d^2``, attention scores
  ``2 L^2 d`` (content) ``+ 2 L P d`` (relative position, ``P = 2L - 1`` positions) and the
  weighted sum ``2 L^2 d``, the convolution module ``4 L d^2 + 2 L d k + 2 L d^2``
  (pointwise to 2d, depthwise, pointwise back); plus, once per batch, the relative-position
  projection ``2 P d^2``;
* heads: CTC ``2 L d V``; wav2vec 2.0 pretraining: the target projection ``2 L d D``, the context
  projection ``2 L d D`` and the cosine scores ``2 M^2 D`` over the ``M`` masked frames.

Norms, activations, softmax, the STFT/mel frontend and the optimizer are left out (a few percent
of the total at the sizes of interest; ``tests/test_flops.py`` checks the count against
``torch.utils.flop_counter`` on a small config). A training step is counted as 3x the forward
pass (backward computes gradients for inputs and weights: ~2x forward), the convention of
model-FLOPs utilization (MFU): MFU = counted training FLOPs per second / the device's peak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

# (kernel, stride) of the convolutions of ESPnet's input layers (square kernels and strides, in time
# and frequency; the first has 1 input channel, the others d); "linear" has none (a linear layer
# on each feature frame, no subsampling).
SUBSAMPLING_CONVS: Dict[str, List[Tuple[int, int]]] = {
    "conv2d": [(3, 2), (3, 2)],
    "conv2d2": [(3, 2), (3, 1)],
    "conv2d6": [(3, 2), (5, 3)],
    "conv2d8": [(3, 2), (3, 2), (3, 2)],
    "linear": [],
}
TRAINING_FLOPS_PER_FORWARD = 3
REFERENCE_SECONDS = (
    3.0  # utterance length of the per-audio-second figure (attention grows with it)
)


@dataclass(frozen=True)
class ConformerShape:
    """The sizes of a Conformer encoder that its FLOPs depend on."""

    input_size: int
    output_size: int
    linear_units: int
    num_blocks: int
    cnn_module_kernel: int
    input_layer: str = "conv2d"
    macaron_style: bool = True
    use_cnn_module: bool = True

    @classmethod
    def from_encoder_conf(cls, conf: Dict[str, Any], input_size: int) -> ConformerShape:
        """From an ESPnet ``encoder_conf`` (the Conformer's own defaults where a key is absent)."""
        input_layer = conf.get("input_layer", "conv2d")
        if input_layer not in SUBSAMPLING_CONVS:
            raise ValueError(
                f"FLOPs are counted for input_layer in {sorted(SUBSAMPLING_CONVS)}, got {input_layer!r}"
            )
        return cls(
            input_size=input_size,
            output_size=int(conf.get("output_size", 256)),
            linear_units=int(conf.get("linear_units", 2048)),
            num_blocks=int(conf.get("num_blocks", 6)),
            cnn_module_kernel=int(conf.get("cnn_module_kernel", 31)),
            input_layer=input_layer,
            macaron_style=bool(conf.get("macaron_style", False)),
            use_cnn_module=bool(conf.get("use_cnn_module", True)),
        )


def _conv_out(size: int, kernel: int, stride: int) -> int:
    return (size - kernel) // stride + 1


def subsampled_sizes(shape: ConformerShape, frames: int) -> List[Tuple[int, int]]:
    """(time, frequency) sizes after each input-layer convolution (empty for ``linear``)."""
    sizes, time, freq = [], frames, shape.input_size
    for kernel, stride in SUBSAMPLING_CONVS[shape.input_layer]:
        time, freq = _conv_out(time, kernel, stride), _conv_out(freq, kernel, stride)
        sizes.append((time, freq))
    return sizes


def subsampled_length(shape: ConformerShape, frames: int) -> int:
    """Frames after the encoder's subsampling (L)."""
    sizes = subsampled_sizes(shape, frames)
    return sizes[-1][0] if sizes else frames


def input_layer_flops(shape: ConformerShape, frames: int) -> int:
    """Forward FLOPs of the input layer on one utterance: its convolutions, then the linear layer
    from (channels x frequency) to d at each output frame."""
    d, flops, channels = shape.output_size, 0, 1
    sizes = subsampled_sizes(shape, frames)
    for (kernel, _), (time, freq) in zip(SUBSAMPLING_CONVS[shape.input_layer], sizes):
        flops += 2 * kernel * kernel * channels * d * time * freq
        channels = d
    time, freq = sizes[-1] if sizes else (frames, shape.input_size)
    return flops + 2 * channels * freq * d * time


def encoder_forward_flops(shape: ConformerShape, batch: int, frames: int) -> int:
    """Forward FLOPs of the encoder on ``batch`` utterances of ``frames`` feature frames each."""
    d, f, k = shape.output_size, shape.linear_units, shape.cnn_module_kernel
    length = subsampled_length(shape, frames)
    positions = 2 * length - 1
    ffn = (2 if shape.macaron_style else 1) * 4 * length * d * f
    attention = (
        8 * length * d * d + 4 * length * length * d + 2 * length * positions * d
    )
    conv = (6 * length * d * d + 2 * length * d * k) if shape.use_cnn_module else 0
    per_batch = shape.num_blocks * 2 * positions * d * d  # relative-position projection
    blocks = shape.num_blocks * (ffn + attention + conv)
    return batch * (input_layer_flops(shape, frames) + blocks) + per_batch


def training_gflops_per_audio_second(
    config: Dict[str, Any], seconds: float = REFERENCE_SECONDS
) -> float:
    """Training GFLOPs (forward + backward) of an ESPnet ASR config's Conformer encoder and CTC
    head per second of audio, on utterances of ``seconds`` (default frontend: 16 kHz input).
    """
    if config.get("encoder") != "conformer":
        raise ValueError(
            f"FLOPs are counted for the conformer encoder, got {config.get('encoder')!r}"
        )
    frontend = config.get("frontend_conf") or {}
    hop = int(frontend.get("hop_length", 128))
    fs = str(frontend.get("fs", 16000))
    fs = int(float(fs[:-1]) * 1000) if fs.lower().endswith("k") else int(fs)
    shape = ConformerShape.from_encoder_conf(
        config.get("encoder_conf") or {}, int(frontend.get("n_mels", 80))
    )
    frames = int(seconds * fs) // hop + 1
    vocab = len(config.get("token_list") or [])
    forward = encoder_forward_flops(shape, 1, frames) + ctc_head_flops(
        shape, 1, frames, vocab
    )
    return training_flops(forward) / seconds / 1e9


def ctc_head_flops(shape: ConformerShape, batch: int, frames: int, vocab: int) -> int:
    """Forward FLOPs of a CTC output layer."""
    return 2 * batch * subsampled_length(shape, frames) * shape.output_size * vocab


def wav2vec2_head_flops(
    shape: ConformerShape,
    batch: int,
    frames: int,
    target_size: int,
    masked_fraction: float = 0.5,
) -> int:
    """Forward FLOPs of the pretraining heads: target and context projections, cosine scores."""
    length = subsampled_length(shape, frames)
    masked = int(round(masked_fraction * length))
    projections = 2 * 2 * length * shape.output_size * target_size
    return batch * (projections + 2 * masked * masked * target_size)


def training_flops(forward_flops: int) -> int:
    """FLOPs of one training step (forward + backward) from the forward count."""
    return TRAINING_FLOPS_PER_FORWARD * forward_flops
