"""The probe suite's RESULTS.md section and its per-layer plot.

The section has one row per task and encoder: the dev-picked best layer, its test score, the last
layer's test score, chance; then claim 4 (an intermediate layer beats the last one: the best of
blocks 1..N-1 on dev vs block N, on test) judged per task for the encoder named by ``claim_encoder``, and the value of pretraining (the trained encoder's
best layer vs the random control's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Mapping, Optional

from bigssl.io_utils import PathLike, save_figure_atomic, write_text_atomic
from bigssl.score.markdown import md_table

Result = Mapping[str, object]


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


def claim4_rows(results: List[Result], encoder: str) -> List[List[str]]:
    """Per task: does ``encoder``'s best intermediate block (picked on dev) beat its last block on test?"""
    rows = []
    for result in results:
        inner = best_intermediate(result)
        if result["encoder"] != encoder or inner is None:
            continue
        last = _last(result)
        rows.append(
            [
                str(result["task"]),
                f"layer {inner['layer']}: {inner['test']:.3f}",
                f"layer {last['layer']}: {last['test']:.3f}",
                "yes" if inner["test"] > last["test"] else "no",
            ]
        )
    return rows


def section(
    summary: Mapping[str, object],
    claim_encoder: str,
    control: Optional[str],
    figure: Optional[str],
    title: str = "Non-semantic probes",
) -> str:
    """Markdown of the probe results (see the module doc)."""
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
    claim = claim4_rows(results, claim_encoder)
    if claim:
        held = sum(r[-1] == "yes" for r in claim)
        lines += [
            "",
            f"Claim 4 (an intermediate layer beats the last one), encoder `{claim_encoder}`: "
            f"**holds on {held} of {len(claim)} tasks** (the intermediate block with the best dev "
            "score vs the last block, on test; layer 0, the input projection, is not a block).",
            "",
            md_table(
                [
                    "task",
                    "best intermediate block (dev-picked), test",
                    "last block, test",
                    "intermediate wins",
                ],
                claim,
            ),
        ]
    if control:
        by_key: Dict[tuple, Result] = {(r["task"], r["encoder"]): r for r in results}
        value_rows = []
        for result in results:
            if result["encoder"] == control or (result["task"], control) not in by_key:
                continue
            trained, random = (
                _best(result)["test"],
                _best(by_key[(result["task"], control)])["test"],
            )
            value_rows.append(
                [
                    str(result["task"]),
                    str(result["encoder"]),
                    f"{trained:.3f}",
                    f"{random:.3f}",
                    f"{trained - random:+.3f}",
                ]
            )
        lines += [
            "",
            f"Value of training: each encoder's best layer vs the same network with random weights (`{control}`).",
            "",
            md_table(
                [
                    "task",
                    "encoder",
                    "test at best layer",
                    f"{control}, test at best layer",
                    "difference",
                ],
                value_rows,
            ),
        ]
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
    write_text_atomic(
        section_path, section(summary, claim_encoder, control, figure_link, title)
    )
