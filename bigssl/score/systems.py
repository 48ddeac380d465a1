"""A table of whole systems: their error rates and what training them cost (RESULTS.md's opening).

Each row is ``LABEL|DECODE|TRAINED[,TRAINED...]``:

* ``DECODE``: an experiment dir with exactly one scored decoding per test set, or that decode dir
  itself (``<exp>/decode_<tag>``), as :func:`bigssl.score.results.find_result` reads it;
* ``TRAINED``: the ESPnet experiment dirs whose training the system needs (pretraining, the
  teacher, the LM, the student ...). Their costs add up in the row, in the order given; a dir named
  by several rows counts in each (the cost of a system is everything it took).

Per trained dir: steps and audio processed from its ``train_summary.json`` (pipeline stages 46, 50
and 75 write it; an LM has none), and wall seconds from ESPnet's epoch times
(:func:`bigssl.training.summary.epoch_seconds`, which survives resumes), else the summary's
``wall_hours``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bigssl.io_utils import write_text_atomic
from bigssl.score.markdown import DASH, fmt, md_table, relative_change
from bigssl.score.results import load_error_rate
from bigssl.training.summary import epoch_seconds


class SystemRowError(ValueError):
    """A ``--row`` that is not ``LABEL|DECODE|TRAINED[,TRAINED...]``."""


@dataclass
class SystemRow:
    label: str
    decode: Path
    trained: List[Path]


@dataclass
class TrainingCost:
    """What one trained experiment dir cost: wall seconds, and steps / audio hours where recorded."""

    name: str
    seconds: float
    steps: Optional[int]
    audio_hours: Optional[float]


def parse_system_row(spec: str) -> SystemRow:
    parts = [p.strip() for p in spec.split("|")]
    trained = [p.strip() for p in parts[2].split(",")] if len(parts) == 3 else []
    if len(parts) != 3 or not all(parts) or not all(trained):
        raise SystemRowError(
            f"--row '{spec}': expected LABEL|DECODE|TRAINED[,TRAINED...]"
        )
    return SystemRow(parts[0], Path(parts[1]), [Path(p) for p in trained])


def training_cost(exp_dir: Path) -> TrainingCost:
    """The cost of ``exp_dir``'s training (FileNotFoundError if it holds no trained run)."""
    summary_file = exp_dir / "train_summary.json"
    summary: Dict[str, object] = (
        json.loads(summary_file.read_text()) if summary_file.is_file() else {}
    )
    seconds = epoch_seconds(exp_dir)
    if seconds is None and summary.get("wall_hours") is not None:
        seconds = float(summary["wall_hours"]) * 3600  # type: ignore[arg-type]
    if seconds is None:
        raise FileNotFoundError(
            f"{exp_dir}: no training record (checkpoint.pth, train.log epochs or train_summary.json)"
        )
    steps = summary.get("steps")
    audio = summary.get("audio_hours_processed")
    return TrainingCost(
        exp_dir.name,
        seconds,
        int(steps) if steps is not None else None,  # type: ignore[arg-type]
        float(audio) if audio is not None else None,  # type: ignore[arg-type]
    )


def _describe(cost: TrainingCost) -> str:
    done = []
    if cost.steps is not None:
        done.append(f"{cost.steps} steps")
    if cost.audio_hours is not None:
        done.append(f"{cost.audio_hours:.1f} h audio")
    return f"`{cost.name}` ({', '.join(done + [f'{cost.seconds / 60:.1f} min'])})"


def system_table(rows: Sequence[SystemRow], test_sets: Sequence[str]) -> str:
    """The markdown table: per row the CER and WER of each test set, the relative CER change of the
    first test set against the row above (negative: fewer errors), then the training it took.
    """
    header = ["system"]
    for test_set in test_sets:
        header += [f"{test_set} CER", f"{test_set} WER"]
    header += [f"{test_sets[0]} CER vs the row above"]
    header += ["trained (steps, audio, wall time on this machine)", "training wall min"]
    table = []
    above: Optional[float] = None
    for row in rows:
        cells: List[str] = [row.label]
        rates = [
            (
                load_error_rate(row.decode, t, "cer"),
                load_error_rate(row.decode, t, "wer"),
            )
            for t in test_sets
        ]
        for cer, wer in rates:
            cells += [fmt(cer), fmt(wer)]
        cells.append(DASH if above is None else relative_change(rates[0][0], above))
        above = rates[0][0]
        costs = [training_cost(d) for d in row.trained]
        total = sum(c.seconds for c in costs)
        cells += [" + ".join(_describe(c) for c in costs), fmt(total / 60)]
        table.append(cells)
    return md_table(header, table)


def write_system_section(
    specs: Sequence[str],
    out: Path,
    test_sets: Sequence[str],
    title: str,
    note: str = "",
) -> str:
    """Write (and return) the markdown section with :func:`system_table` for the ``--row`` specs."""
    rows = [parse_system_row(s) for s in specs]
    intro = (
        "Error rates in % (CER first: at this size most sentences hold a word error, so CER "
        "moves first)."
    )
    table = system_table(rows, test_sets)
    text = f"## {title}\n\n{intro}\n\n{table}\n" + (f"\n{note}\n" if note else "")
    write_text_atomic(out, text)
    return text
