"""Linear probes: one classifier (or regressor) per layer on frozen embeddings, tuned on dev.

Classification: scikit-learn's logistic regression on standardized features, the inverse
regularization C picked from a grid by dev accuracy; regression: ridge regression, alpha picked by
dev R². Scores are on test with the dev-picked setting, refit on train. The best layer is the one
with the best dev score (never picked on test).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Dict, List, Sequence

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
    """Features (N, D) and targets (N,) of one data split."""

    x: np.ndarray
    y: np.ndarray


@dataclass
class LayerScore:
    layer: int
    dev: float  # accuracy or R² on dev, with the setting picked on dev
    test: float  # the same on test
    setting: float  # C or alpha
    test_mae: float = float("nan")  # regression only


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
    return LayerScore(
        layer=layer,
        dev=dev_score,
        test=_score(kind, test.y, predicted),
        setting=setting,
        test_mae=(
            float(mean_absolute_error(test.y, predicted))
            if kind == "regression"
            else float("nan")
        ),
    )


@dataclass
class TaskResult:
    """One encoder on one task: every layer's scores and the dev-picked best layer."""

    task: str
    encoder: str
    kind: str
    layers: List[LayerScore]

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
        }


def chance_level(kind: str, train_y: Sequence, test_y: Sequence) -> float:
    """Test accuracy of always answering train's majority class (classification), R² 0 (regression)."""
    if kind == "regression":
        return 0.0
    values, counts = np.unique(np.asarray(train_y), return_counts=True)
    return float(np.mean(np.asarray(test_y) == values[np.argmax(counts)]))
