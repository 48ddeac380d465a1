"""Span masking: statistics match the options, padding is respected, every utterance is masked."""

from __future__ import annotations

import pytest
import torch

from bigssl.ssl.masking import SpanMasking, compute_span_mask, expected_masked_fraction


@pytest.mark.parametrize("mask_prob,span_length", [(0.065, 10), (0.2, 3), (0.02, 20)])
def test_masked_fraction_matches_options(mask_prob: float, span_length: int) -> None:
    gen = torch.Generator().manual_seed(1)
    lengths = torch.full((64,), 2000)
    mask = compute_span_mask(lengths, 2000, mask_prob, span_length, generator=gen)
    expected = expected_masked_fraction(mask_prob, span_length)
    assert abs(mask.float().mean().item() - expected) < 0.02


def test_wav2vec2_defaults_mask_about_half() -> None:
    mask = compute_span_mask(torch.full((32,), 1500), 1500)
    assert 0.45 < mask.float().mean().item() < 0.53  # paper: ~49% with p=0.065, M=10


def test_span_count_and_length() -> None:
    # p=0 leaves only the guaranteed single span: exactly span_length contiguous frames.
    lengths = torch.tensor([50, 23, 10, 31])
    mask = compute_span_mask(lengths, 50, mask_prob=0.0, span_length=7, min_spans=1)
    for row, length in zip(mask, lengths):
        idx = row.nonzero().flatten()
        assert idx.numel() == 7
        assert (idx[1:] - idx[:-1] == 1).all()
        assert idx.max() < length


def test_respects_padding_and_min_spans() -> None:
    lengths = torch.tensor([400, 37, 12, 5, 1, 0])
    for seed in range(20):
        gen = torch.Generator().manual_seed(seed)
        mask = compute_span_mask(lengths, 400, 0.065, 10, min_spans=1, generator=gen)
        positions = torch.arange(400)[None, :]
        assert not (mask & (positions >= lengths[:, None])).any()
        assert (mask.sum(1)[lengths > 0] >= 1).all()
        assert mask[lengths == 0].sum() == 0
        # Spans shorter utterances cannot hold are clipped to the utterance.
        assert mask[3].sum() == 5 and mask[4].sum() == 1


def test_span_masking_module_replaces_only_masked_frames() -> None:
    module = SpanMasking(input_size=8, mask_prob=0.2, span_length=4)
    feats = torch.randn(3, 60, 8)
    lengths = torch.tensor([60, 40, 20])
    masked, mask = module(feats, lengths)
    assert mask.any()
    assert torch.equal(masked[~mask], feats[~mask])
    assert torch.equal(
        masked[mask], module.embedding.detach().expand(int(mask.sum()), 8)
    )
    masked.sum().backward()
    assert module.embedding.grad is not None and module.embedding.grad.abs().sum() > 0
