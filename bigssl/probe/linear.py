"""Linear probes: one classifier (or regressor) per layer on frozen embeddings, tuned on dev.

Classification: scikit-learn's logistic regression on standardized features, the inverse
regularization C picked from a grid by dev accuracy; regression: ridge regression, alpha picked by
dev R². Scores are on test with the dev-picked setting, refit on train. The best layer is the one
with the best dev score (never picked on test).

Each layer also keeps its per-item test results (correctness for classification, predictions for
regression; the task keeps the test ids and regression targets), so a test score can be recomputed
on a bootstrap resample of the test items (:func:`resampled_scores`).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

C_GRID = (0.001, 0.01, 0.1, 1.0, 10.0)
ALPHA_GRID = (0.1, 1.0, 10.0, 100.0, 1000.0)
KINDS = ("classification", "regression")


@dataclass
class Split:
    """Features (N, D), targets (N,) and optionally the item ids of one data split."""

    x: np.ndarray
    y: np.ndarray
    ids: Optional[List[str]] = None


@dataclass
class LayerScore:
    layer: int
    dev: float  # accuracy or R² on dev, with the setting picked on dev
    test: float  # the same on test
    setting: float  # C or alpha
    test_mae: float = float("nan")  # regression only
    test_correct: Optional[List[int]] = None  # classification: 1 per right test item
    test_pred: Optional[List[float]] = None  # regression: prediction per test item


def _model(kind: str, setting: float, seed: int):  # type: ignore[no-untyped-def]
    if kind == "classification":
        head = LogisticRegression(C=setting, max_iter=2000, random_state=seed)
    else:
        head = Ridge(alpha=setting)
    return make_pipeline(StandardScaler(), head)


def _score(kind: str, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    if kind == "classification":
        return float(accuracy_score(y_true, y_pred))
    return float(r2_score(y_true, y_pred))


def _r2_rows(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """R² of each row of (R, n) targets and predictions (sklearn's value for constant targets)."""
    ss_res = ((y - pred) ** 2).sum(1)
    ss_tot = ((y - y.mean(1, keepdims=True)) ** 2).sum(1)
    constant = ss_tot == 0
    r2 = 1.0 - ss_res / np.where(constant, 1.0, ss_tot)
    return np.where(constant, (ss_res == 0).astype(float), r2)


def resampled_scores(
    kind: str,
    idx: np.ndarray,
    correct: Optional[Sequence[int]] = None,
    pred: Optional[Sequence[float]] = None,
    targets: Optional[Sequence[float]] = None,
) -> np.ndarray:
    """A layer's test score on each row of item indices ``idx`` (R, n): accuracy or R²."""
    if kind == "classification":
        return np.asarray(correct, dtype=float)[idx].mean(1)
    return _r2_rows(np.asarray(targets, dtype=float)[idx], np.asarray(pred)[idx])


def probe_layer(
    kind: str, layer: int, train: Split, dev: Split, test: Split, seed: int = 0
) -> LayerScore:
    """Fit on train for each grid setting, keep the best on dev, report it on test."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    grid = C_GRID if kind == "classification" else ALPHA_GRID
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for setting in grid:
            model = _model(kind, setting, seed).fit(train.x, train.y)
            dev_score = _score(kind, dev.y, model.predict(dev.x))
            if best is None or dev_score > best[0]:
                best = (dev_score, setting, model)
    assert best is not None
    dev_score, setting, model = best
    predicted = model.predict(test.x)
    score = LayerScore(
        layer=layer,
        dev=dev_score,
        test=_score(kind, test.y, predicted),
        setting=setting,
    )
    if kind == "classification":
        score.test_correct = (predicted == test.y).astype(int).tolist()
    else:
        score.test_mae = float(mean_absolute_error(test.y, predicted))
        score.test_pred = predicted.astype(float).tolist()
    return score


@dataclass
class TaskResult:
    """One encoder on one task: every layer's scores, the dev-picked best layer, the test items."""

    task: str
    encoder: str
    kind: str
    layers: List[LayerScore]
    test_ids: Optional[List[str]] = None
    test_targets: Optional[List[float]] = None  # regression only

    @property
    def best(self) -> LayerScore:
        return max(self.layers, key=lambda s: (s.dev, -s.layer))

    @property
    def last(self) -> LayerScore:
        return self.layers[-1]

    def to_dict(self) -> Dict[str, object]:
        return {
            "task": self.task,
            "encoder": self.encoder,
            "kind": self.kind,
            "best_layer": self.best.layer,
            "layers": [asdict(s) for s in self.layers],
            "test_ids": self.test_ids,
            "test_targets": self.test_targets,
        }


def chance_level(kind: str, train_y: Sequence, test_y: Sequence) -> float:
    """Test accuracy of always answering train's majority class (classification), R² 0 (regression)."""
    if kind == "regression":
        return 0.0
    values, counts = np.unique(np.asarray(train_y), return_counts=True)
    return float(np.mean(np.asarray(test_y) == values[np.argmax(counts)]))
