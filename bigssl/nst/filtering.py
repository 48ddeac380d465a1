"""Filter a pseudo-label dir into a Kaldi data dir of the kept utterances, with reports.

Reads with :mod:`bigssl.nst.pseudo_dir`, decides with the rules of :mod:`bigssl.nst.filter_rules`,
writes ``report.json``/``report.md``/``confidence_hist.png`` with :mod:`bigssl.nst.filter_report`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Optional

from bigssl.io_utils import PathLike, read_kv, write_kv, write_text_atomic
from bigssl.nst.filter_report import (
    build_report,
    log_summary,
    plot_confidence_hist,
    report_markdown,
    wer_of_groups,
)
from bigssl.nst.filter_rules import FilterRule, decide
from bigssl.nst.pseudo_dir import load_pseudo_dir


def filter_pseudo_dir(
    pseudo_dir: PathLike,
    out_dir: PathLike,
    rule: FilterRule,
    reference_text: Optional[PathLike] = None,
    title: str = "",
) -> Dict[str, object]:
    """Filter ``pseudo_dir`` into the Kaldi data dir ``out_dir`` plus ``out_dir/filter/`` reports.

    The reports are written before the data dir; if nothing is kept, RuntimeError (after the
    reports, so the histogram shows why) and no data dir files. Logs a one-line summary at the end.
    """
    out_dir = Path(out_dir)
    data, labels = load_pseudo_dir(pseudo_dir)
    if not labels:
        raise ValueError(f"{pseudo_dir}: no utterances")
    decisions = decide(labels, rule)
    wer = None
    if reference_text is not None:
        wer = wer_of_groups(
            decisions, data.text, read_kv(reference_text), str(reference_text)
        )
    report = build_report(
        decisions,
        labels,
        rule,
        title,
        wer,
        str(reference_text) if reference_text else None,
    )
    report["pseudo_dir"] = str(pseudo_dir)
    filter_dir = out_dir / "filter"
    filter_dir.mkdir(parents=True, exist_ok=True)
    write_kv(
        filter_dir / "decisions",
        (
            (d.utt, f"{'keep' if d.keep else 'drop'} {d.reason} {d.confidence:.6f}")
            for d in decisions
        ),
    )
    plot_confidence_hist(decisions, rule, filter_dir / "confidence_hist.png", title)
    write_text_atomic(filter_dir / "report.json", json.dumps(report, indent=2) + "\n")
    write_text_atomic(filter_dir / "report.md", report_markdown(report))
    kept = [d.utt for d in decisions if d.keep]
    if not kept:
        raise RuntimeError(
            f"{pseudo_dir}: no pseudo-label passed the filter ({rule.describe()}); "
            f"see {filter_dir / 'report.md'}"
        )
    data.subset(kept).save(out_dir)
    log_summary(report, out_dir)
    return report
