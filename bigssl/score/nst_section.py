"""The Noisy Student Training section of RESULTS.md (markdown) and a WER-vs-generation plot.

Written by ``python -m bigssl.bin.nst_report`` (its doc has an example). Each row is LABEL|MODEL_TYPE|EXP_DIR[|FILTER_DIR]. EXP_DIR holds exactly one
``decode_*/<test_set>/score_{wer,cer}/result.json`` (or is that decode dir itself). FILTER_DIR is
the out_dir of ``bigssl.bin.filter_pseudo`` whose kept pseudo-labels trained this row's model; it
adds a row to the pseudo-label table. Rows keep the order given. A label containing
"generation N" is generation N: relative WER changes are against the generation-0 row of the same
model type, and generations are the x axis of the plot; any other row (baseline, topline) is a
dashed horizontal line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bigssl.io_utils import save_figure_atomic, write_text_atomic
from bigssl.score.markdown import DASH, fmt, md_table, relative_change
from bigssl.score.results import load_error_rate

GENERATION = re.compile(r"\bgeneration\s+(\d+)\b", re.IGNORECASE)


@dataclass
class Row:
    label: str
    model_type: str
    exp_dir: Path
    filter_dir: Optional[Path] = None

    @property
    def generation(self) -> Optional[int]:
        match = GENERATION.search(self.label)
        return int(match.group(1)) if match else None


class RowSpecError(ValueError):
    """A ``--row`` that is not ``LABEL|MODEL_TYPE|EXP_DIR[|FILTER_DIR]``."""


def parse_row(spec: str) -> Row:
    parts = spec.split("|")
    if len(parts) not in (3, 4) or not all(p.strip() for p in parts):
        raise RowSpecError(
            f"--row '{spec}': expected LABEL|MODEL_TYPE|EXP_DIR[|FILTER_DIR]"
        )
    parts = [p.strip() for p in parts]
    return Row(
        parts[0], parts[1], Path(parts[2]), Path(parts[3]) if len(parts) == 4 else None
    )


def load_filter_report(filter_dir: Path) -> Dict[str, object]:
    """The report.json of a filter out_dir (``<dir>/filter/report.json``) or of the filter dir itself."""
    for path in (filter_dir / "filter" / "report.json", filter_dir / "report.json"):
        if path.is_file():
            return json.loads(path.read_text())
    raise FileNotFoundError(
        f"{filter_dir}: no filter/report.json (run bigssl.bin.filter_pseudo first)"
    )


def results_table(
    rows: List[Row], scores: Dict[Tuple[str, str], Tuple[float, float]], test_set: str
) -> str:
    model_types = list(dict.fromkeys(r.model_type for r in rows))
    labels = list(dict.fromkeys(r.label for r in rows))
    gen0 = {
        r.model_type: scores[(r.label, r.model_type)][0]
        for r in rows
        if r.generation == 0
    }
    header = ["system"]
    for mt in model_types:
        header += [f"{mt} WER", f"{mt} CER", f"{mt} WER vs gen 0"]
    table = []
    for label in labels:
        cells = [label]
        for mt in model_types:
            if (label, mt) not in scores:
                cells += [DASH, DASH, DASH]
                continue
            wer, cer = scores[(label, mt)]
            base = gen0.get(mt)
            change = DASH if base is None else relative_change(wer, base)
            cells += [f"{wer:.1f}", f"{cer:.1f}", change]
        table.append(cells)
    return (
        f"WER / CER (%) on `{test_set}`; relative WER change against the generation-0 teacher of the "
        "same model type (negative = better).\n\n" + md_table(header, table) + "\n"
    )


def filter_table(rows: List[Row]) -> str:
    header = [
        "system",
        "model",
        "filter rule",
        "pseudo-labels kept / total",
        "kept hours / total",
        "PL WER kept",
        "PL WER dropped",
        "PL WER all",
    ]
    table = []
    for row in rows:
        if row.filter_dir is None:
            continue
        report = load_filter_report(row.filter_dir)
        counts, hours, rule = report["counts"], report["hours"], report["rule"]  # type: ignore[index]
        wer = report.get("wer") or {}

        def err(name: str) -> str:
            group = wer.get(name)  # type: ignore[union-attr]
            return fmt(group["Err"]) if group else DASH

        table.append(
            [
                row.label,
                row.model_type,
                rule["description"],  # type: ignore[index]
                f"{counts['kept']} / {counts['total']}",
                f"{hours['kept']:.2f} / {hours['total']:.2f}",  # type: ignore[index]
                err("kept"),
                err("dropped"),
                err("all"),
            ]
        )
    return (
        "Pseudo-labels each student trained on (from its filter report; PL WER is the pseudo-labels' "
        f"WER against the true transcripts of the unlabeled audio, {DASH} when not measured).\n\n"
        + md_table(header, table)
        + "\n"
    )


def plot_wer(
    rows: List[Row],
    scores: Dict[Tuple[str, str], Tuple[float, float]],
    png: Path,
    test_set: str,
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model_types = list(dict.fromkeys(r.model_type for r in rows))
    colors = {mt: f"C{i}" for i, mt in enumerate(model_types)}
    generations = sorted({r.generation for r in rows if r.generation is not None})
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for mt in model_types:
        points = sorted(
            (r.generation, scores[(r.label, mt)][0])
            for r in rows
            if r.model_type == mt and r.generation is not None
        )
        if points:
            ax.plot(
                *zip(*points), "o-", color=colors[mt], label=f"{mt}: NST generations"
            )
        others = [r for r in rows if r.model_type == mt and r.generation is None]
        for r in others:
            wer = scores[(r.label, mt)][0]
            ax.axhline(wer, color=colors[mt], ls="--", lw=1)
            ax.annotate(
                f"{mt}: {r.label} ({wer:.1f})",
                xy=(0.01, wer),
                xycoords=("axes fraction", "data"),
                xytext=(0, 2),
                textcoords="offset points",
                fontsize=7,
                color=colors[mt],
                va="bottom",
            )
    if generations:
        ax.set_xticks(generations)
    ax.set_xlabel("NST generation (0 = teacher)")
    ax.set_ylabel(f"WER (%) on {test_set}")
    ax.set_title("Noisy Student Training")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure_atomic(fig, png)


def verdict(
    rows: List[Row], scores: Dict[Tuple[str, str], Tuple[float, float]], test_set: str
) -> str:
    """One plain sentence per model type: did any student beat its generation-0 teacher, by how much."""
    lines = [f"**Did NST improve WER?** (test set `{test_set}`)\n"]
    for model_type in dict.fromkeys(r.model_type for r in rows):
        teacher = next(
            (r for r in rows if r.model_type == model_type and r.generation == 0), None
        )
        students = [
            r
            for r in rows
            if r.model_type == model_type
            and r.generation is not None
            and r.generation >= 1
        ]
        if teacher is None or not students:
            continue
        base = scores[(teacher.label, model_type)][0]
        steps = ", ".join(
            f"{r.label} {scores[(r.label, model_type)][0]:.1f} ({relative(scores[(r.label, model_type)][0], base)})"
            for r in students
        )
        best = min(students, key=lambda r: scores[(r.label, model_type)][0])
        best_wer = scores[(best.label, model_type)][0]
        answer = (
            f"yes: {best.label} is {base - best_wer:.1f} points ({relative(best_wer, base)}) better than the teacher"
            if best_wer < base
            else f"no: no student beat the teacher (best: {best.label}, {relative(best_wer, base)})"
        )
        lines.append(
            f"- {model_type}: teacher (generation 0) {base:.1f}; {steps}. **{answer}.**"
        )
    return "\n".join(lines) + "\n" if len(lines) > 1 else ""


def relative(value: float, base: float) -> str:
    return f"{relative_change(value, base)} relative"


def build_section(
    rows: List[Row], test_set: str, title: str, plot_link: Optional[str], note: str
) -> Tuple[str, Dict]:
    scores: Dict[Tuple[str, str], Tuple[float, float]] = {}
    for row in rows:
        key = (row.label, row.model_type)
        if key in scores:
            raise ValueError(f"--row '{row.label}|{row.model_type}' given twice")
        scores[key] = (
            load_error_rate(row.exp_dir, test_set, "wer"),
            load_error_rate(row.exp_dir, test_set, "cer"),
        )
    parts = [
        f"## {title}\n",
        results_table(rows, scores, test_set),
        verdict(rows, scores, test_set),
    ]
    if any(r.filter_dir is not None for r in rows):
        parts.append(filter_table(rows))
    if note:
        parts.append(note.rstrip() + "\n")
    if plot_link:
        parts.append(
            f"![WER vs NST generation; dashed: baseline and topline]({plot_link})\n"
        )
    return "\n".join(parts), scores


def write_nst_section(
    row_specs: Sequence[str],
    out: Path,
    test_set: str = "test",
    plot: Optional[Path] = None,
    plot_link: Optional[str] = None,
    title: str = "Noisy Student Training",
    note: str = "",
) -> str:
    """Write the section (and the plot) for ``LABEL|MODEL_TYPE|EXP_DIR[|FILTER_DIR]`` rows; returns its text."""
    rows = [parse_row(spec) for spec in row_specs]
    link = plot_link if plot_link is not None else (str(plot) if plot else None)
    text, scores = build_section(rows, test_set, title, link, note)
    if plot:
        plot_wer(rows, scores, plot, test_set)
    write_text_atomic(out, text)
    print(text)
    return text
