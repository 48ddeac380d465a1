"""The paired bootstrap: a real difference is outside the noise, a null one is not, and it is reproducible."""

import numpy as np
import pytest

from bigssl.score.significance import Interval, paired_bootstrap


def _diff(a: np.ndarray, b: np.ndarray):
    return lambda idx: b[idx].mean(-1) - a[idx].mean(-1)


def test_a_consistent_gain_excludes_zero() -> None:
    rng = np.random.default_rng(0)
    a = rng.random(300)
    interval = paired_bootstrap(
        _diff(a, a + 0.02 + 0.01 * rng.standard_normal(300)), 300
    )
    assert interval.low > 0 and interval.excludes(0.0)
    assert interval.estimate == pytest.approx(0.02, abs=0.003)


def test_noise_alone_does_not_exclude_zero() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.random(120), rng.random(120)
    interval = paired_bootstrap(_diff(a, b), 120)
    assert interval.low < interval.estimate < interval.high
    assert not interval.excludes(0.0)


def test_same_seed_same_interval_and_bad_input_is_an_error() -> None:
    a = np.random.default_rng(2).random(50)
    stat = _diff(a, a[::-1])
    assert paired_bootstrap(stat, 50, seed=3) == paired_bootstrap(stat, 50, seed=3)
    with pytest.raises(ValueError, match="at least one"):
        paired_bootstrap(stat, 0)
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap(stat, 50, confidence=1.5)
    assert str(Interval(1.0, 0.5, 1.5)) == "+1.00 (95 % CI [+0.50, +1.50])"
