"""Paired bootstrap over test items: is a difference between systems larger than sampling noise?

Two systems scored on the same test items are compared by resampling the items with replacement
(the same resample for every system and seed, so the comparison stays paired) and recomputing the
statistic on each resample; the percentile interval of those values is the confidence interval
(Koehn, 2004, "Statistical Significance Tests for Machine Translation Evaluation"; Bisani & Ney,
2004, for ASR). The statistic is vectorized: it maps an index array of shape ``(R, n)`` (R
resamples of n items) to ``R`` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

RESAMPLES = 2000
CONFIDENCE = 0.95

Statistic = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Interval:
    """A point estimate on the full test set and its bootstrap confidence interval."""

    estimate: float
    low: float
    high: float
    confidence: float = CONFIDENCE

    def excludes(self, value: float = 0.0) -> bool:
        """True when the whole interval lies on one side of ``value``."""
        return self.low > value or self.high < value

    def text(self, digits: int = 2) -> str:
        """``+1.23 (95 % CI [+0.45, +2.01])`` with ``digits`` decimals."""
        pct = round(100 * self.confidence)
        f = f"+.{digits}f"
        return f"{self.estimate:{f}} ({pct} % CI [{self.low:{f}}, {self.high:{f}}])"

    def __str__(self) -> str:
        return self.text()


def paired_bootstrap(
    statistic: Statistic,
    num_items: int,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = 0,
    chunk: int = 500,
) -> Interval:
    """The statistic on all ``num_items`` items, with its percentile bootstrap interval.

    ``statistic(idx)`` gets item indices of shape ``(R, num_items)`` and returns ``R`` values.
    The resamples are drawn from a fixed seed, so the interval is reproducible.
    """
    if num_items < 1:
        raise ValueError("the bootstrap needs at least one test item")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    estimate = float(np.asarray(statistic(np.arange(num_items)[None, :]))[0])
    rng = np.random.default_rng(seed)
    values = []
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        idx = rng.integers(0, num_items, size=(size, num_items))
        values.append(np.asarray(statistic(idx), dtype=float))
    draws = np.concatenate(values)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(draws, [tail, 100 - tail])
    return Interval(estimate, float(low), float(high), confidence)
