"""Markdown tables and number formatting shared by every report writer (RESULTS.md sections)."""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

DASH = "–"  # a value that was not measured


def fmt(value: Optional[float], spec: str = ".1f") -> str:
    """``value`` formatted with ``spec``, or a dash when it is None."""
    return DASH if value is None else format(value, spec)


def relative_change(value: float, base: float) -> str:
    """Signed relative change of ``value`` against ``base`` in percent, e.g. ``-3.4%``."""
    return f"{100.0 * (value - base) / max(base, 1e-9):+.1f}%"


def md_table(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A markdown table (no trailing newline); cells are rendered with ``str``."""
    lines = [
        "| " + " | ".join(str(c) for c in header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
