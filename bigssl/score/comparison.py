"""A markdown section comparing experiments pairwise on one test set (e.g. pretrained vs scratch)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from bigssl.io_utils import write_text_atomic
from bigssl.score.markdown import md_table, relative_change
from bigssl.score.results import load_error_rate


def write_comparison(
    rows: Sequence[str],
    out: Path,
    test_set: str = "test",
    title: str = "Pretrained + fine-tuned vs from scratch",
    columns: str = "from scratch|pretrained + fine-tuned",
    note: str = "",
) -> str:
    """Write (and return) the section; each row is ``LABEL|BASELINE_EXP|OTHER_EXP``."""
    base_name, other_name = columns.split("|")
    table = []
    for row in rows:
        label, base, other = row.split("|")
        base_wer = load_error_rate(Path(base), test_set, "wer")
        other_wer = load_error_rate(Path(other), test_set, "wer")
        table.append(
            [
                label,
                f"{base_wer:.1f}",
                f"{other_wer:.1f}",
                relative_change(other_wer, base_wer),
            ]
        )
    text = (
        f"## {title}\n\nWER (%) on `{test_set}`; same labeled data, config and step budget per row.\n\n"
        + md_table(["labeled data", base_name, other_name, "relative change"], table)
        + "\n"
        + (f"\n{note}\n" if note else "")
    )
    write_text_atomic(out, text)
    print(text)
    return text
