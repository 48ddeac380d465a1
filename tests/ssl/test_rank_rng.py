"""Under DDP each rank draws its own masks and distractors (ESPnet reseeds all ranks alike)."""

from __future__ import annotations

import pytest
import torch
from ssl_helpers import tiny_model


def _masks(model, rank: int, world: int, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: world > 1)
    monkeypatch.setattr(torch.distributed, "get_world_size", lambda: world)
    monkeypatch.setattr(torch.distributed, "get_rank", lambda: rank)
    # no process group here: the loss check's all-reduce is not what is tested
    monkeypatch.setattr(
        "bigssl.ssl.model.all_ranks_finite", lambda loss, across_ranks=True: True
    )
    seen = []
    handle = model.masking.register_forward_hook(
        lambda module, args, out: seen.append(out[1].clone())
    )
    torch.manual_seed(7)  # what ESPnet does on every rank at each epoch
    feats = torch.randn(2, 120, 16)
    with torch.no_grad():
        model(speech=feats, speech_lengths=torch.tensor([120, 100]))
    handle.remove()
    return seen[0]


def test_ranks_draw_different_masks_reproducibly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = tiny_model().eval()
    rank0 = _masks(model, 0, 2, monkeypatch)
    rank1 = _masks(model, 1, 2, monkeypatch)
    assert not torch.equal(rank0, rank1)
    assert torch.equal(rank0, _masks(model, 0, 2, monkeypatch))  # same seed, same rank
    # a single process keeps the global RNG (its runs are unchanged by this)
    single = _masks(model, 0, 1, monkeypatch)
    assert torch.equal(single, _masks(model, 0, 1, monkeypatch))
