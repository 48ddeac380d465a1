"""Run a stock ESPnet encoder in two halves, so the feature sequence can be masked in between.

ESPnet's Conformer/Transformer encoders subsample inside ``encoder.embed`` (conv layers, a linear
projection, then the positional encoding). wav2vec 2.0 masks the subsampled features z *before*
the context network, so :func:`subsample` runs ``embed`` up to and including the linear projection
(giving z) and :func:`contextualize` continues with the positional encoding, the blocks and the
final layer norm. With ``input_layer: linear`` (no subsampling: the frontend's frames are the
encoder's, e.g. a 40 ms hop) z is the projected, normalized frame (linear, layer norm, dropout). Run back to back without masking they reproduce ``encoder.forward`` exactly, and
the encoder stays the unmodified ESPnet module, whose ``state_dict`` is what ASR fine-tuning loads.
"""

from __future__ import annotations

from typing import Callable, Dict, Optional, Type

import torch
from espnet.nets.pytorch_backend.transformer.subsampling import (
    Conv2dSubsampling,
    Conv2dSubsampling2,
    Conv2dSubsampling6,
    TooShortUttError,
    check_short_utt,
)

# How each supported subsampling layer shortens the (B, 1, T) frame mask (as in its forward()).
_MASK_SUBSAMPLERS: Dict[
    Type[torch.nn.Module], Callable[[torch.Tensor], torch.Tensor]
] = {
    Conv2dSubsampling: lambda m: m[:, :, :-2:2][:, :, :-2:2],
    Conv2dSubsampling2: lambda m: m[:, :, :-2:2][:, :, :-2:1],
    Conv2dSubsampling6: lambda m: m[:, :, :-2:2][:, :, :-4:3],
}
SUPPORTED_INPUT_LAYERS = ("conv2d", "conv2d2", "conv2d6", "linear")


def is_linear_input(embed: object) -> bool:
    """ESPnet's ``input_layer: linear``: Sequential(Linear, LayerNorm, Dropout, positional encoding)."""
    return (
        isinstance(embed, torch.nn.Sequential)
        and len(embed) == 4
        and isinstance(embed[0], torch.nn.Linear)
        and isinstance(embed[1], torch.nn.LayerNorm)
    )


def check_encoder(encoder: torch.nn.Module) -> None:
    """Raise ValueError unless ``encoder`` can be split by this module."""
    embed = getattr(encoder, "embed", None)
    if type(embed) not in _MASK_SUBSAMPLERS and not is_linear_input(embed):
        raise ValueError(
            f"pretraining needs a convolutional subsampling input layer "
            f"(input_layer one of {SUPPORTED_INPUT_LAYERS}), got {type(embed).__name__}"
        )
    if not hasattr(encoder, "encoders"):
        raise ValueError(f"{type(encoder).__name__} has no 'encoders' block stack")
    if getattr(encoder, "interctc_layer_idx", []):
        raise ValueError(
            "intermediate CTC layers are not used in pretraining; unset them"
        )


def subsampled_length(encoder: torch.nn.Module, length: int) -> int:
    """Frames T' that ``encoder.embed`` makes of ``length`` input frames (no compute: meta)."""
    embed = encoder.embed
    if is_linear_input(embed):
        return length
    probe = torch.empty(1, 1, length, device="meta")
    return _MASK_SUBSAMPLERS[type(embed)](probe).size(-1)


def use_channels_last(encoder: torch.nn.Module) -> bool:
    """Put a conv2d subsampling's weights in channels_last memory format (values and state_dict
    keys unchanged); :func:`subsample` then feeds it channels_last input. False for a linear input.
    """
    embed = encoder.embed
    if is_linear_input(embed):
        return False
    embed.conv.to(memory_format=torch.channels_last)
    return True


def subsample(
    encoder: torch.nn.Module,
    feats: torch.Tensor,
    feats_lengths: torch.Tensor,
    channels_last: bool = False,
    unpadded_length: Optional[int] = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (B, T, F) -> z (B, T', d) before positional encoding, and the (B, 1, T') mask.

    ``channels_last``: the conv2d subsampling's input in channels_last memory format (cuDNN's
    preferred layout for bf16/fp16 convolutions; see :func:`use_channels_last`).
    ``unpadded_length``: the batch's frame count before it was padded further (``pad_to_multiple``);
    the subsampled mask is the one of that length, padded with False, so that the extra padding
    changes no valid frame (ESPnet's mask subsampling trims by the padded length otherwise).
    """
    embed = encoder.embed
    # ~make_pad_mask(lengths, maxlen=T), without its assert on lengths.max() (a device read).
    positions = torch.arange(feats.size(1), device=feats.device)
    frame_mask = (positions[None, :] < feats_lengths.to(feats.device)[:, None])[
        :, None, :
    ]
    if is_linear_input(embed):
        return embed[2](embed[1](embed[0](feats))), frame_mask
    short, limit = check_short_utt(embed, feats.size(1))
    if short:
        raise TooShortUttError(
            f"has {feats.size(1)} frames and is too short for subsampling "
            f"(it needs more than {limit} frames)",
            feats.size(1),
            limit,
        )
    x = feats.unsqueeze(1)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x = embed.conv(x)
    batch, channels, length, freq = x.size()
    z = embed.out[0](x.transpose(1, 2).reshape(batch, length, channels * freq))
    if unpadded_length is None:
        return z, _MASK_SUBSAMPLERS[type(embed)](frame_mask)
    sub = _MASK_SUBSAMPLERS[type(embed)](frame_mask[:, :, :unpadded_length])
    return z, torch.nn.functional.pad(sub, (0, z.size(1) - sub.size(-1)))


def contextualize(
    encoder: torch.nn.Module, z: torch.Tensor, masks: torch.Tensor
) -> torch.Tensor:
    """Positional encoding, the encoder blocks and the final norm: (B, T', d) -> (B, T', d)."""
    embed = encoder.embed
    x = embed[3](z) if is_linear_input(embed) else embed.out[1](z)
    x, _ = encoder.encoders(x, masks)
    if isinstance(x, tuple):
        x = x[0]
    if getattr(encoder, "normalize_before", False):
        x = encoder.after_norm(x)
    return x
