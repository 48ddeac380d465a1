"""Claim 4's verdict: the intermediate block's gain over the last, against sampling noise and the
random-weights control, on fabricated probe results (no training)."""

from __future__ import annotations

import copy
import json
from typing import Dict, List, Optional, Sequence

import numpy as np
import pytest

from bigssl.probe.linear import Split, probe_layer, resampled_scores
from bigssl.probe.report import judge_claim4, overall_claim4, section

N = 120


def _correct(
    num_right: int, flip_up: Sequence[int] = (), flip_down: Sequence[int] = ()
):
    """0/1 per item: the first ``num_right`` items right, then ``flip_up`` set, ``flip_down`` unset."""
    items = np.zeros(N, dtype=int)
    items[:num_right] = 1
    items[list(flip_up)] = 1
    items[list(flip_down)] = 0
    return items.tolist()


def _layer(layer: int, dev: float, per_item: List, kind: str) -> Dict[str, object]:
    key = "test_correct" if kind == "classification" else "test_pred"
    return {
        "layer": layer,
        "dev": dev,
        "test": float("nan"),
        "setting": 1.0,
        key: per_item,
    }


def _result(
    task: str,
    encoder: str,
    inner: List,
    last: List,
    kind: str = "classification",
    targets: Optional[List[float]] = None,
    ids: Optional[List[str]] = None,
) -> Dict[str, object]:
    """Layers 0 (input projection), 1, 2 (the dev-picked intermediate block), 3 (last)."""
    layers = [
        _layer(0, 0.1, last, kind),
        _layer(1, 0.2, last, kind),
        _layer(2, 0.9, inner, kind),
        _layer(3, 0.5, last, kind),
    ]
    idx = np.arange(N)[None, :]
    for layer in layers:
        pred = layer.get("test_pred")
        correct = layer.get("test_correct")
        layer["test"] = float(
            resampled_scores(kind, idx, correct=correct, pred=pred, targets=targets)[0]
        )
    return {
        "task": task,
        "encoder": encoder,
        "kind": kind,
        "best_layer": 2,
        "layers": layers,
        "test_ids": ids or [f"{task}-{i:03d}" for i in range(N)],
        "test_targets": targets,
    }


def _summary(results: List[Dict[str, object]]) -> Dict[str, object]:
    tasks = {str(r["task"]) for r in results}
    return {"pooling": "mean", "chance": {t: 0.5 for t in tasks}, "results": results}


def _verdict(
    results: List[Dict[str, object]], control: Optional[str] = "random"
) -> str:
    (task,) = judge_claim4(results, "pretrained", control)
    return task.verdict


def test_one_item_out_of_120_is_inconclusive() -> None:
    inner = _correct(84, flip_up=range(84, 94), flip_down=range(0, 9))  # +10 -9 items
    results = [
        _result("emotion", "pretrained", inner, _correct(84)),
        _result("emotion", "random", _correct(60), _correct(60)),
    ]
    (task,) = judge_claim4(results, "pretrained", "random")
    assert task.gain.estimate == pytest.approx(1 / N)  # type: ignore[union-attr]
    assert task.gain.low < 0 < task.gain.high  # type: ignore[union-attr]
    assert task.verdict == "inconclusive"


def test_the_control_showing_the_same_gain_is_not_a_hold() -> None:
    pretrained = _result(
        "speaker", "pretrained", _correct(60, flip_up=range(60, 80)), _correct(60)
    )
    random = _result(
        "speaker", "random", _correct(60, flip_up=range(80, 100)), _correct(60)
    )
    (task,) = judge_claim4([pretrained, random], "pretrained", "random")
    assert task.gain.low > 0  # type: ignore[union-attr]  # the gain alone is clear ...
    assert task.excess is not None and task.excess.estimate == pytest.approx(0.0)
    assert task.verdict != "holds"  # ... but the random encoder has it too


def test_a_clear_gain_beyond_the_control_holds() -> None:
    rng = np.random.default_rng(0)
    y = rng.standard_normal(N)
    noisy, close = y + rng.standard_normal(N), y + 0.3 * rng.standard_normal(N)
    results = [
        _result("langid", "pretrained", _correct(60, range(60, 95)), _correct(60)),
        _result("langid", "random", _correct(50), _correct(50)),
        _result(
            "age",
            "pretrained",
            close.tolist(),
            noisy.tolist(),
            "regression",
            y.tolist(),
        ),
        _result(
            "age", "random", noisy.tolist(), noisy.tolist(), "regression", y.tolist()
        ),
    ]
    tasks = judge_claim4(results, "pretrained", "random")
    assert [t.verdict for t in tasks] == ["holds", "holds"]
    assert overall_claim4(tasks) == "holds"
    text = section(_summary(results), "pretrained", "random", None)
    assert "**holds**" in text and "95 % CI [+" in text


def test_the_last_layer_clearly_better_does_not_hold() -> None:
    worse = _correct(90, flip_down=range(50, 80))
    results = [
        _result("pitch", "pretrained", worse, _correct(90)),
        _result("pitch", "random", _correct(60), _correct(60)),
    ]
    assert _verdict(results) == "does not hold"
    assert _verdict(results, control=None) == "does not hold"


def test_without_a_control_a_gain_is_inconclusive() -> None:
    results = [
        _result("pitch", "pretrained", _correct(60, range(60, 100)), _correct(60))
    ]
    assert _verdict(results, control=None) == "inconclusive: control not measured"
    assert "not measured" in section(_summary(results), "pretrained", None, None)


def _tasks(*pairs: tuple) -> List[Dict[str, object]]:
    """Per (inner, last) pair a task, the control with no gain on each."""
    results = []
    for i, (inner, last) in enumerate(pairs):
        results += [
            _result(f"t{i}", "pretrained", inner, last),
            _result(f"t{i}", "random", _correct(50), _correct(50)),
        ]
    return results


def test_overall_rule_majority_and_no_failure() -> None:
    clear = (_correct(60, range(60, 100)), _correct(60))
    noise = (_correct(84, range(84, 94), range(9)), _correct(84))
    worse = (_correct(90, [], range(40, 80)), _correct(90))
    cases = [
        ((clear, clear, noise), "holds"),
        ((clear, clear, worse), "inconclusive"),
        ((clear, noise, noise), "inconclusive"),
        ((clear, worse, worse), "does not hold"),
    ]
    for pairs, expected in cases:
        tasks = judge_claim4(_tasks(*pairs), "pretrained", "random")
        assert overall_claim4(tasks) == expected, [t.verdict for t in tasks]


def test_old_probes_json_without_per_item_results_is_inconclusive() -> None:
    results = [
        _result("emotion", "pretrained", _correct(60, range(60, 100)), _correct(60)),
        _result("emotion", "random", _correct(50), _correct(50)),
    ]
    old = copy.deepcopy(results)
    for result in old:
        del result["test_ids"], result["test_targets"]
        for layer in result["layers"]:
            del layer["test_correct"]
    summary = json.loads(json.dumps(_summary(old)))
    text = section(summary, "pretrained", "random", None)
    assert "| emotion | accuracy | pretrained |" in text
    assert "**inconclusive**" in text and "no per-item test results" in text
    assert "+0.333 (no CI)" in text


def test_the_control_is_aligned_by_item_id_and_other_items_are_refused() -> None:
    rng = np.random.default_rng(1)
    pretrained = _result(
        "emotion", "pretrained", _correct(60, range(60, 100)), _correct(60)
    )
    random = _result("emotion", "random", _correct(50, range(50, 60)), _correct(50))
    perm = rng.permutation(N)
    shuffled = copy.deepcopy(random)
    shuffled["test_ids"] = [random["test_ids"][i] for i in perm]  # type: ignore[index]
    for layer in shuffled["layers"]:  # type: ignore[union-attr]
        layer["test_correct"] = [layer["test_correct"][i] for i in perm]
    (a,) = judge_claim4([pretrained, random], "pretrained", "random")
    (b,) = judge_claim4([pretrained, shuffled], "pretrained", "random")
    assert a.excess == b.excess
    shuffled["test_ids"] = [f"other-{i}" for i in range(N)]
    with pytest.raises(ValueError, match="emotion"):
        judge_claim4([pretrained, shuffled], "pretrained", "random")
    short = _result("emotion", "random", _correct(50), _correct(50))
    for layer in short["layers"]:  # type: ignore[union-attr]
        layer["test_correct"] = layer["test_correct"][:100]
    with pytest.raises(ValueError, match="emotion"):
        judge_claim4([pretrained, short], "pretrained", "random")


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_probe_keeps_per_item_results_that_recompute_its_test_score(kind: str) -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal(4)
    splits = []
    for n in (60, 20, 30):
        x = rng.standard_normal((n, 4))
        target = x @ w + 0.5 * rng.standard_normal(n)
        y = target if kind == "regression" else (target > 0).astype(str)
        splits.append(Split(x, y, [f"u{i}" for i in range(n)]))
    score = probe_layer(kind, 1, *splits)
    idx = np.arange(30)[None, :]
    targets = splits[2].y if kind == "regression" else None
    again = resampled_scores(
        kind, idx, correct=score.test_correct, pred=score.test_pred, targets=targets
    )
    assert again[0] == pytest.approx(score.test)


def test_the_report_writes_claim_4s_verdict_for_the_claims_table(tmp_path) -> None:
    from bigssl.probe.report import write_report
    from bigssl.score.claims import external_verdict

    results = [
        _result("langid", "pretrained", _correct(60, range(60, 95)), _correct(60)),
        _result("langid", "random", _correct(50), _correct(50)),
        _result("accent", "pretrained", _correct(60, [60]), _correct(60)),
        _result("accent", "random", _correct(50), _correct(50)),
    ]
    write_report(
        _summary(results), tmp_path / "noss.md", "pretrained", "random", None, None
    )
    verdict, why, numbers = external_verdict(tmp_path / "noss.claim4.json")
    assert (
        verdict == "inconclusive"
    )  # holds on langid, not beyond noise on accent: no majority
    assert why.startswith("holds on 1 of 2 tasks against the random control")
    assert "accent: gain +0.008" in why and "2 mini-NOSS tasks" in numbers
