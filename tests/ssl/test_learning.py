"""A tiny model learns to pick the positive when masked frames are predictable from context."""

from __future__ import annotations

import math

import torch
from ssl_helpers import tiny_model

FEATS, FRAMES, BATCH, STEPS = 16, 160, 8, 300


def _sinusoids(generator: torch.Generator) -> torch.Tensor:
    """Per-utterance random phases of fixed slow sinusoids: each frame follows from its context."""
    freqs = torch.linspace(0.03, 0.12, FEATS)
    phase = torch.rand(BATCH, FEATS, generator=generator) * 2 * math.pi
    t = torch.arange(FRAMES).float()
    return torch.sin(freqs[None, None, :] * t[None, :, None] + phase[:, None, :])


def _noise(generator: torch.Generator) -> torch.Tensor:
    """Independent frames: nothing to infer from context."""
    return torch.randn(BATCH, FRAMES, FEATS, generator=generator)


def _train(make_batch) -> tuple[float, float]:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = tiny_model(input_size=FEATS)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    lengths = torch.full((BATCH,), FRAMES)
    with torch.no_grad():
        untrained = (
            sum(
                float(model(make_batch(generator), lengths)[1]["acc"]) for _ in range(5)
            )
            / 5
        )
    accuracies = []
    for _ in range(STEPS):
        loss, stats, _ = model(make_batch(generator), lengths)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        accuracies.append(float(stats["acc"]))
    return untrained, sum(accuracies[-30:]) / 30


def test_accuracy_rises_well_above_chance_on_predictable_signal() -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: one thread is fastest and deterministic
    try:
        untrained, last = _train(_sinusoids)
        _, noise_last = _train(_noise)
    finally:
        torch.set_num_threads(threads)
    # 10 distractors: chance is 1/11 (a little higher with repeated distractors).
    assert untrained < 0.3
    assert last > 0.6
    assert (
        last > noise_last + 0.25
    )  # the gain comes from context, not from memorizing frames
