"""The probe suite's RESULTS.md section and its per-layer plot.

The section has one row per task and encoder: the dev-picked best layer, its test score, the last
layer's test score, chance; then claim 4 (an intermediate layer beats the last one: the best of
blocks 1..N-1 on dev vs block N, on test) judged per task for the encoder named by
``claim_encoder`` against the random-weights ``control`` and the test set's sampling noise (paired
bootstrap, :data:`CLAIM4_RULE`), and the value of pretraining (the trained encoder's best layer vs
the random control's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from bigssl.io_utils import PathLike, save_figure_atomic, write_text_atomic
from bigssl.probe.linear import resampled_scores
from bigssl.score.markdown import md_table
from bigssl.score.significance import Interval, paired_bootstrap

Result = Mapping[str, object]

CLAIM4_RULE = (
    "Gain = test score of the best intermediate block (picked on dev; layer 0, the input "
    "projection, is not a block) minus that of the last block; intervals are 95 % paired "
    "bootstrap intervals over test items (the same resampled items for both encoders and both "
    "layers). Per task: **holds** when the interval of the gain is above 0 and the interval of "
    "(gain - control's gain) is above 0; **does not hold** when the interval of the gain is below "
    "0 (the last block is better) or that of (gain - control's gain) is below 0; otherwise "
    "**inconclusive** (this includes a positive gain with no control to compare, the control "
    "part then not measured, and results without per-item test scores). Overall: holds "
    "when it holds on a majority of tasks and does not hold on none; does not hold when it does "
    "not hold on a majority; otherwise inconclusive."
)


def _best(result: Result) -> Mapping[str, float]:
    layers = result["layers"]  # type: ignore[index]
    return next(s for s in layers if s["layer"] == result["best_layer"])  # type: ignore[union-attr]


def _last(result: Result) -> Mapping[str, float]:
    return result["layers"][-1]  # type: ignore[index]


def _metric(kind: str) -> str:
    return "accuracy" if kind == "classification" else "R²"


def best_intermediate(result: Result) -> Optional[Mapping[str, float]]:
    """The dev-picked best of the intermediate blocks (1 .. last-1; not the input projection, layer 0)."""
    inner = result["layers"][1:-1]  # type: ignore[index]
    return max(inner, key=lambda s: (s["dev"], -s["layer"])) if inner else None


@dataclass(frozen=True)
class Claim4Task:
    """Claim 4 on one task. ``gain``: best intermediate block minus last block on test (an
    Interval, or a bare float without per-item data); ``control_gain``: the same for the control
    (None: not measured); ``excess``: gain minus control's gain (None: not measured)."""

    task: str
    inner: Mapping[str, float]
    last: Mapping[str, float]
    gain: Union[Interval, float]
    control_gain: Union[Interval, float, None]
    excess: Optional[Interval]
    verdict: str


Statistic = Callable[[np.ndarray], np.ndarray]
NO_ITEMS = "inconclusive: no per-item test results"


def _per_item(result: Result, layer: Mapping[str, object]) -> Optional[list]:
    """A layer's per-item test results (correctness or predictions); None in old probes.json."""
    if result["kind"] == "classification":
        return layer.get("test_correct")  # type: ignore[return-value]
    if result.get("test_targets") is None:
        return None
    return layer.get("test_pred")  # type: ignore[return-value]


def _compared(result: Result) -> List[Mapping[str, object]]:
    """The dev-picked best intermediate block and the last block."""
    return [best_intermediate(result), _last(result)]  # type: ignore[list-item]


def _num_items(result: Result) -> Optional[int]:
    """Test items behind the compared layers (None without per-item data); ValueError if unequal."""
    items = [_per_item(result, layer) for layer in _compared(result)]
    if any(i is None for i in items):
        return None
    counts = {len(i) for i in items}  # type: ignore[arg-type]
    if result.get("test_ids") is not None:
        counts.add(len(result["test_ids"]))  # type: ignore[arg-type]
    if len(counts) != 1:
        raise ValueError(
            f"claim 4, task {result['task']!r}: encoder {result['encoder']!r} has "
            f"per-item test results of different lengths {sorted(counts)}"
        )
    return counts.pop()


def _control_order(claimed: Result, control: Result, n: int) -> np.ndarray:
    """Indices into the control's test items that give the claimed encoder's item order."""
    ids, other = claimed.get("test_ids"), control.get("test_ids")
    if ids is None or other is None:
        return np.arange(n)
    position = {utt: i for i, utt in enumerate(other)}  # type: ignore[call-overload]
    if sorted(position) != sorted(ids):  # type: ignore[call-overload]
        raise ValueError(
            f"claim 4, task {claimed['task']!r}: encoders {claimed['encoder']!r} and "
            f"{control['encoder']!r} were tested on different items"
        )
    return np.array([position[utt] for utt in ids])  # type: ignore[attr-defined]


def _gain_statistic(result: Result, order: Optional[np.ndarray] = None) -> Statistic:
    """idx (R, n) -> R values of score(best intermediate block) - score(last block) on test."""
    kind, targets = str(result["kind"]), result.get("test_targets")
    keep = np.arange(len(_per_item(result, _last(result)))) if order is None else order
    truth = None if targets is None else np.asarray(targets, dtype=float)[keep]
    inner, last = (np.asarray(_per_item(result, s))[keep] for s in _compared(result))

    def score(items: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if kind == "classification":
            return resampled_scores(kind, idx, correct=items)
        return resampled_scores(kind, idx, pred=items, targets=truth)

    return lambda idx: score(inner, idx) - score(last, idx)


def _point_gain(result: Result) -> float:
    inner, last = _compared(result)
    return float(inner["test"]) - float(last["test"])  # type: ignore[arg-type]


def _control_statistic(
    claimed: Result, control: Optional[Result], n: int
) -> Optional[Statistic]:
    """The control's gain on the claimed encoder's test items; None when it cannot be measured."""
    if control is None or best_intermediate(control) is None:
        return None
    m = _num_items(control)
    if m is None:
        return None
    if m != n:
        raise ValueError(
            f"claim 4, task {claimed['task']!r}: {n} test items for "
            f"{claimed['encoder']!r}, {m} for the control {control['encoder']!r}"
        )
    return _gain_statistic(control, _control_order(claimed, control, n))


def _task_verdict(gain: Interval, excess: Optional[Interval]) -> str:
    """The per-task rule of :data:`CLAIM4_RULE`, given per-item data."""
    if gain.high < 0 or (excess is not None and excess.high < 0):
        return "does not hold"
    if excess is None:
        return "inconclusive: control not measured"
    return "holds" if gain.low > 0 and excess.low > 0 else "inconclusive"


def _judge_task(claimed: Result, control: Optional[Result]) -> Claim4Task:
    """Claim 4 on one task; every bootstrap uses the same seed, hence the same resampled items."""
    task, (inner, last) = str(claimed["task"]), _compared(claimed)
    measured = control is not None and best_intermediate(control) is not None
    control_point = _point_gain(control) if measured else None  # type: ignore[arg-type]
    n = _num_items(claimed)
    if n is None:
        gain = _point_gain(claimed)
        return Claim4Task(task, inner, last, gain, control_point, None, NO_ITEMS)  # type: ignore[arg-type]
    gain_stat = _gain_statistic(claimed)
    gain_iv = paired_bootstrap(gain_stat, n)
    control_stat = _control_statistic(claimed, control, n)
    if control_stat is None:
        verdict = _task_verdict(gain_iv, None)
        return Claim4Task(task, inner, last, gain_iv, control_point, None, verdict)  # type: ignore[arg-type]
    control_iv = paired_bootstrap(control_stat, n)
    excess = paired_bootstrap(lambda idx: gain_stat(idx) - control_stat(idx), n)
    verdict = _task_verdict(gain_iv, excess)
    return Claim4Task(task, inner, last, gain_iv, control_iv, excess, verdict)  # type: ignore[arg-type]


def judge_claim4(
    results: List[Result], encoder: str, control: Optional[str]
) -> List[Claim4Task]:
    """Claim 4 per task for ``encoder`` against ``control`` (see :data:`CLAIM4_RULE`).

    The paired bootstrap resamples test items with one seed, so the gains of both encoders and both
    layers are computed on the same resampled items.
    """
    by_key = {(r["task"], r["encoder"]): r for r in results}
    return [
        _judge_task(r, by_key.get((r["task"], control)) if control else None)
        for r in results
        if r["encoder"] == encoder and best_intermediate(r) is not None
    ]


def overall_claim4(tasks: Sequence[Claim4Task]) -> str:
    """holds / does not hold / inconclusive over tasks (see :data:`CLAIM4_RULE`)."""
    held = sum(t.verdict == "holds" for t in tasks)
    failed = sum(t.verdict == "does not hold" for t in tasks)
    if failed > len(tasks) / 2:
        return "does not hold"
    if held > len(tasks) / 2 and failed == 0:
        return "holds"
    return "inconclusive"


def _gain_text(gain: Union[Interval, float, None]) -> str:
    if gain is None:
        return "not measured"
    if isinstance(gain, Interval):
        return gain.text(3)
    return f"{gain:+.3f} (no CI)"


def claim4_rows(tasks: Sequence[Claim4Task]) -> List[List[str]]:
    """Table rows: task, the two layers' test scores, the gains with intervals, the verdict."""
    return [
        [
            t.task,
            f"layer {t.inner['layer']}: {t.inner['test']:.3f}",
            f"layer {t.last['layer']}: {t.last['test']:.3f}",
            _gain_text(t.gain),
            _gain_text(t.control_gain),
            _gain_text(t.excess),
            t.verdict,
        ]
        for t in tasks
    ]


def _claim4_lines(
    tasks: Sequence[Claim4Task], encoder: str, control: Optional[str]
) -> List[str]:
    counts = ", ".join(
        f"{v}: {sum(t.verdict.startswith(v) for t in tasks)}"
        for v in ("holds", "does not hold", "inconclusive")
    )
    control_text = (
        f"the random-weights control `{control}`"
        if control
        else "no control (the control part is not measured)"
    )
    return [
        "",
        f"Claim 4 (an intermediate layer beats the last one), encoder `{encoder}` against "
        f"{control_text}: **{overall_claim4(tasks)}** ({counts} of {len(tasks)} tasks). "
        + CLAIM4_RULE,
        "",
        md_table(
            [
                "task",
                "best intermediate block (dev-picked), test",
                "last block, test",
                "gain",
                "control's gain",
                "gain - control's gain",
                "verdict",
            ],
            claim4_rows(tasks),
        ),
    ]


def _value_of_training(results: Sequence[Result], control: str) -> List[str]:
    """Lines of a table: each encoder's best layer vs the random-weights ``control``'s, per task."""
    by_key: Dict[tuple, Result] = {(r["task"], r["encoder"]): r for r in results}
    rows = []
    for result in results:
        if result["encoder"] == control or (result["task"], control) not in by_key:
            continue
        trained = _best(result)["test"]
        random = _best(by_key[(result["task"], control)])["test"]
        rows.append([str(result["task"]), str(result["encoder"]), f"{trained:.3f}",
                     f"{random:.3f}", f"{trained - random:+.3f}"])  # fmt: skip
    header = ["task", "encoder", "test at best layer", f"{control}, test at best layer",
              "difference"]  # fmt: skip
    return [
        "",
        "Value of training: each encoder's best layer vs the same network with random weights "
        f"(`{control}`).",
        "",
        md_table(header, rows),
    ]


def section(
    summary: Mapping[str, object],
    claim_encoder: str,
    control: Optional[str],
    figure: Optional[str],
    title: str = "Non-semantic probes",
    claim: Optional[Sequence[Claim4Task]] = None,
) -> str:
    """Markdown of the probe results (see the module doc); ``claim``: claim 4 already judged
    (default: judged here)."""
    results: List[Result] = summary["results"]  # type: ignore[assignment]
    chance: Mapping[str, float] = summary["chance"]  # type: ignore[assignment]
    rows = []
    for result in results:
        best, last = _best(result), _last(result)
        rows.append(
            [
                str(result["task"]),
                _metric(str(result["kind"])),
                str(result["encoder"]),
                str(best["layer"]),
                f"{best['test']:.3f}",
                f"{last['test']:.3f}",
                f"{chance[str(result['task'])]:.3f}",
            ]
        )
    lines = [
        f"## {title}",
        "",
        f"Linear probes on frozen encoders, every layer (0 = input projection), {summary['pooling']}-pooled "
        "over frames; regularization and the best layer picked on dev, scores on test "
        "(`bigssl.probe`).",
        "",
        md_table(
            [
                "task",
                "metric",
                "encoder",
                "best layer (dev)",
                "test at best",
                "test at last layer",
                "chance",
            ],
            rows,
        ),
    ]
    if claim is None:
        claim = judge_claim4(results, claim_encoder, control)
    if claim:
        lines += _claim4_lines(claim, claim_encoder, control)
    if control:
        lines += _value_of_training(results, control)
    if figure:
        lines += ["", f"![score per layer]({figure})"]
    return "\n".join(lines) + "\n"


def plot(summary: Mapping[str, object], png: PathLike) -> Path:
    """One panel per task: test score vs layer, a line per encoder, chance dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results: List[Result] = summary["results"]  # type: ignore[assignment]
    tasks = sorted({str(r["task"]) for r in results})
    fig, axes = plt.subplots(
        1, len(tasks), figsize=(3.2 * len(tasks), 3.0), squeeze=False
    )
    for ax, task in zip(axes[0], tasks):
        kind = "classification"
        for result in (r for r in results if r["task"] == task):
            kind = str(result["kind"])
            layers = result["layers"]  # type: ignore[assignment]
            ax.plot(
                [s["layer"] for s in layers],
                [s["test"] for s in layers],
                marker="o",
                label=str(result["encoder"]),
            )
        ax.axhline(summary["chance"][task], color="gray", linestyle="--", linewidth=1, label="chance")  # type: ignore[index]
        ax.set_title(task)
        ax.set_xlabel("layer")
        ax.set_ylabel(f"test {_metric(kind)}")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return save_figure_atomic(fig, png)


def write_report(
    summary: Mapping[str, object],
    section_path: PathLike,
    claim_encoder: str,
    control: Optional[str],
    figure_path: Optional[PathLike],
    figure_link: Optional[str],
    title: str = "Non-semantic probes",
) -> None:
    if figure_path:
        plot(summary, figure_path)
    tasks = judge_claim4(summary["results"], claim_encoder, control)  # type: ignore[arg-type]
    write_text_atomic(
        section_path,
        section(summary, claim_encoder, control, figure_link, title, tasks),
    )
    write_text_atomic(
        Path(section_path).with_suffix(".claim4.json"),
        json.dumps(claim4_verdict(tasks, claim_encoder, control), indent=2) + "\n",
    )


def claim4_verdict(
    tasks: Sequence[Claim4Task], encoder: str, control: Optional[str]
) -> Dict[str, str]:
    """Claim 4's overall verdict, the reason and the per-task numbers, for the claims table
    (``bigssl.score.claims`` reads it as an external verdict: ``verdict``, ``why``, ``numbers``).
    """
    per_task = [f"{t.task}: gain {_gain_text(t.gain)}, {t.verdict}" for t in tasks]
    held = sum(t.verdict == "holds" for t in tasks)
    return {
        "verdict": overall_claim4(tasks) if tasks else "not measured",
        "why": f"holds on {held} of {len(tasks)} tasks against the {control or 'no'} control; "
        + "; ".join(per_task),
        "numbers": f"encoder {encoder} vs control {control or '-'}, "
        f"{len(tasks)} mini-NOSS tasks (intermediate minus last block, test)",
    }
