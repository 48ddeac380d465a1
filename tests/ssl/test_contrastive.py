"""Contrastive loss: distractor sampling, masked-frames-only loss, accuracy semantics."""

from __future__ import annotations

import torch

from bigssl.ssl.contrastive import contrastive_loss, pack_masked, sample_negatives


def test_positive_never_among_distractors() -> None:
    counts = torch.tensor([0, 1, 2, 3, 7, 150, 40])
    gen = torch.Generator().manual_seed(0)
    neg = sample_negatives(counts, 150, num_negatives=100, generator=gen)
    assert neg.shape == (7, 150, 100)
    anchors = torch.arange(150)[None, :, None]
    for b, count in enumerate(counts.tolist()):
        if count < 2:
            continue
        rows = neg[b, :count]
        assert (rows != anchors[0, :count]).all()
        assert (rows >= 0).all() and (rows < count).all()


def test_distractors_cover_all_other_frames_uniformly() -> None:
    # Fewer masked frames than K + 1: sampled with replacement among the others.
    counts = torch.tensor([5])
    gen = torch.Generator().manual_seed(3)
    neg = sample_negatives(counts, 5, num_negatives=4000, generator=gen)
    for anchor in range(5):
        freq = torch.bincount(neg[0, anchor], minlength=5).float() / 4000
        assert freq[anchor] == 0
        others = torch.cat([freq[:anchor], freq[anchor + 1 :]])
        assert torch.allclose(others, torch.full_like(others, 0.25), atol=0.04)


def test_pack_masked_keeps_time_order() -> None:
    mask = torch.tensor([[0, 1, 0, 1, 1], [1, 0, 0, 0, 0]], dtype=torch.bool)
    index, valid, counts = pack_masked(mask)
    assert counts.tolist() == [3, 1]
    assert index[0].tolist() == [1, 3, 4]
    assert valid.tolist() == [[True, True, True], [True, False, False]]


def _loss(ctx: torch.Tensor, tgt: torch.Tensor, mask: torch.Tensor, seed: int = 0):
    return contrastive_loss(
        ctx, tgt, mask, 20, 0.1, torch.Generator().manual_seed(seed)
    )


def test_loss_uses_masked_frames_only() -> None:
    ctx, tgt = torch.randn(3, 50, 16), torch.randn(3, 50, 16)
    mask = torch.rand(3, 50) < 0.4
    base = _loss(ctx, tgt, mask)
    ctx2, tgt2 = ctx.clone(), tgt.clone()
    ctx2[~mask] = torch.randn(int((~mask).sum()), 16) * 10
    tgt2[~mask] = torch.randn(int((~mask).sum()), 16) * 10
    changed = _loss(ctx2, tgt2, mask)
    assert torch.equal(base.loss, changed.loss) and torch.equal(
        base.accuracy, changed.accuracy
    )
    # ...while a change at a single masked target does change it.
    tgt3 = tgt.clone()
    first = mask.nonzero()[0]
    tgt3[first[0], first[1]] += 5.0
    assert not torch.allclose(base.loss, _loss(ctx, tgt3, mask).loss)


def test_perfect_context_is_scored_correct_and_random_near_chance() -> None:
    tgt = torch.randn(4, 200, 32)
    mask = torch.rand(4, 200) < 0.5
    perfect = _loss(tgt.clone(), tgt, mask)
    assert perfect.accuracy.item() == 1.0
    assert perfect.num_frames == int(mask.sum())
    random = _loss(torch.randn(4, 200, 32), tgt, mask)
    assert random.accuracy.item() < 0.15  # chance is 1 / 21
    assert random.loss.item() > perfect.loss.item() + 1.0


def test_exact_duplicate_targets_are_not_distractors() -> None:
    tgt = torch.randn(1, 10, 8)
    mask = torch.zeros(1, 10, dtype=torch.bool)
    mask[0, [2, 6]] = True
    tgt[0, 6] = tgt[0, 2]  # the only other masked frame is an exact duplicate
    out = _loss(torch.randn(1, 10, 8), tgt, mask)
    assert out.loss.item() == 0.0 and out.accuracy.item() == 1.0
    tgt[0, 6] += 1e-3  # nearly equal is still a distractor
    assert _loss(torch.randn(1, 10, 8), tgt, mask).loss.item() > 0.0


def test_single_masked_frame_contributes_nothing() -> None:
    ctx = torch.randn(2, 10, 8, requires_grad=True)
    mask = torch.zeros(2, 10, dtype=torch.bool)
    mask[0, 3] = True
    out = _loss(ctx, torch.randn(2, 10, 8), mask)
    assert out.num_frames == 0 and out.loss.item() == 0.0
    out.loss.backward()
    assert ctx.grad is not None and ctx.grad.abs().sum() == 0
