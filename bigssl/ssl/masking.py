"""Span masking of the subsampled feature sequence (wav2vec 2.0, Baevski et al. 2020, sec. 3.1).

A proportion ``mask_prob`` of the valid time steps of each utterance is drawn, without replacement,
as span starts, and the ``span_length`` steps from each start are masked; spans may overlap. With
the paper's p=0.065 and M=10 about 1 - (1 - p)**M ~ 49% of the frames end up masked.
"""

from __future__ import annotations

from typing import Optional

import torch


def compute_span_mask(
    lengths: torch.Tensor,
    max_len: int,
    mask_prob: float = 0.065,
    span_length: int = 10,
    min_spans: int = 1,
    generator: Optional[torch.Generator] = None,
) -> torch.Tensor:
    """Draw span masks for a padded batch.

    Args:
        lengths: (B,) valid frame counts; frames at or beyond a length are never masked.
        max_len: padded length T of the batch.
        mask_prob: share of valid frames drawn as span starts (rounded stochastically per
            utterance).
        span_length: frames masked from each start (clipped to the utterance length).
        min_spans: spans drawn at least, for every utterance with at least one frame.
        generator: optional RNG for reproducible masks.

    Returns:
        (B, T) bool tensor, True at masked frames.
    """
    if span_length < 1:
        raise ValueError(f"span_length must be >= 1, got {span_length}")
    if not 0.0 <= mask_prob <= 1.0:
        raise ValueError(f"mask_prob must be in [0, 1], got {mask_prob}")
    device = lengths.device
    batch = lengths.numel()
    lengths = lengths.to(torch.long).clamp(min=0, max=max_len)
    if max_len == 0 or batch == 0:
        return torch.zeros(batch, max_len, dtype=torch.bool, device=device)
    span = torch.clamp(lengths, max=span_length)
    # Spans start where they fit entirely inside the utterance.
    num_starts = (lengths - span + 1).clamp(min=0)
    uniform = torch.rand(batch, generator=generator, device=device)
    num_spans = torch.floor(
        mask_prob * lengths.to(torch.float64) + uniform.to(torch.float64)
    )
    num_spans = num_spans.to(torch.long).clamp(min=min_spans)
    num_spans = torch.minimum(num_spans, num_starts)

    positions = torch.arange(max_len, device=device)
    scores = torch.rand(batch, max_len, generator=generator, device=device)
    scores = scores.masked_fill(positions[None, :] >= num_starts[:, None], 2.0)
    ranks = scores.argsort(dim=1).argsort(dim=1)
    starts = ranks < num_spans[:, None]

    # Frame t is masked if a start lies in (t - span, t]: a windowed count via cumulative sums.
    counts = torch.cumsum(starts.to(torch.int32), dim=1)
    padded = torch.nn.functional.pad(counts, (1, 0))
    lagged_index = (positions[None, :] + 1 - span[:, None]).clamp(min=0)
    window = counts - padded.gather(1, lagged_index)
    return (window > 0) & (positions[None, :] < lengths[:, None])


def expected_masked_fraction(mask_prob: float, span_length: int) -> float:
    """Masked share of a long utterance under :func:`compute_span_mask` (overlaps included)."""
    return 1.0 - (1.0 - mask_prob) ** span_length


class SpanMasking(torch.nn.Module):
    """Replaces masked frames of the feature sequence with one learned mask embedding.

    Args:
        input_size: feature (encoder model) dimension d.
        mask_prob: share of frames drawn as span starts (wav2vec 2.0: 0.065).
        span_length: span length M in subsampled frames (wav2vec 2.0: 10).
        min_spans: spans per utterance at least (1: every utterance contributes to the loss).
    """

    def __init__(
        self,
        input_size: int,
        mask_prob: float = 0.065,
        span_length: int = 10,
        min_spans: int = 1,
    ) -> None:
        super().__init__()
        self.mask_prob = mask_prob
        self.span_length = span_length
        self.min_spans = min_spans
        self.embedding = torch.nn.Parameter(torch.empty(input_size).uniform_())

    def forward(
        self,
        feats: torch.Tensor,
        lengths: torch.Tensor,
        generator: Optional[torch.Generator] = None,
        draw_length: Optional[int] = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Mask (B, T, d) features; returns the masked features and the (B, T) bool mask.

        ``draw_length`` (<= T, >= every length): draw the mask of a batch that was padded beyond
        its frames as for its length before padding (same random numbers, False in the pad).
        """
        length = feats.size(1)
        mask = compute_span_mask(
            lengths,
            min(draw_length or length, length),
            self.mask_prob,
            self.span_length,
            self.min_spans,
            generator,
        )
        if mask.size(1) < length:
            mask = torch.nn.functional.pad(mask, (0, length - mask.size(1)))
        masked = torch.where(mask[..., None], self.embedding.to(feats.dtype), feats)
        return masked, mask

    def extra_repr(self) -> str:
        return (
            f"mask_prob={self.mask_prob}, span_length={self.span_length}, "
            f"min_spans={self.min_spans}"
        )
