"""The one duration batcher (bigssl.data.batching): order, padded budget, and the batches its two
callers made before they shared it."""

from __future__ import annotations

import random
from typing import Dict, List

import pytest

from bigssl.data.batching import batch_by_duration


def _longest_first_before(
    durations: Dict[str, float], budget: float
) -> List[List[str]]:
    """bigssl.nst.pseudo_label.make_batches as it was."""
    batches: List[List[str]] = []
    current: List[str] = []
    for utt in sorted(durations, key=lambda u: (-durations[u], u)):
        longest = durations[current[0]] if current else durations[utt]
        if current and longest * (len(current) + 1) > budget:
            batches.append(current)
            current = []
        current.append(utt)
    return batches + ([current] if current else [])


def _shortest_first_before(
    durations: Dict[str, float], budget: float
) -> List[List[str]]:
    """bigssl.probe.extract._batches as it was."""
    batches: List[List[str]] = []
    current: List[str] = []
    for utt in sorted(durations, key=lambda u: (durations[u], u)):
        longest = max([durations[u] for u in current] + [durations[utt]])
        if current and longest * (len(current) + 1) > budget:
            batches.append(current)
            current = []
        current.append(utt)
    return batches + ([current] if current else [])


def _random_durations(seed: int) -> Dict[str, float]:
    rng = random.Random(seed)
    durations = {f"u{i:03d}": round(rng.uniform(0.5, 15.0), 1) for i in range(120)}
    durations.update({f"t{i}": 4.0 for i in range(5)})  # ties, broken by id
    return durations


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("budget", [1.0, 12.0, 60.0, 1000.0])
def test_same_batches_as_each_caller_made_before(seed: int, budget: float) -> None:
    durations = _random_durations(seed)
    assert batch_by_duration(
        durations, budget, descending=True
    ) == _longest_first_before(durations, budget)
    assert batch_by_duration(
        durations, budget, descending=False
    ) == _shortest_first_before(durations, budget)


def test_order_and_ties() -> None:
    durations = {"b": 2.0, "a": 2.0, "c": 1.0, "d": 3.0}
    assert batch_by_duration(durations, 1.0, descending=True) == [
        ["d"],
        ["a"],
        ["b"],
        ["c"],
    ]
    assert batch_by_duration(durations, 1.0, descending=False) == [
        ["c"],
        ["a"],
        ["b"],
        ["d"],
    ]


@pytest.mark.parametrize("descending", [True, False])
def test_padded_budget_and_every_utterance_once(descending: bool) -> None:
    durations = _random_durations(7)
    durations["long"] = 40.0  # over the budget: a batch of its own
    batches = batch_by_duration(durations, 30.0, descending=descending)
    assert sorted(u for b in batches for u in b) == sorted(durations)
    assert ["long"] in batches
    for batch in batches:
        assert len(batch) == 1 or max(durations[u] for u in batch) * len(batch) <= 30.0
    flat = [durations[u] for b in batches for u in b]
    assert flat == sorted(flat, reverse=descending)
    assert batch_by_duration({}, 30.0, descending=descending) == []
