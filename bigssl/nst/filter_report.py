"""Reports of a pseudo-label filter run (:mod:`bigssl.nst.filtering`, rules in :mod:`bigssl.nst.filter_rules`): ``report.json``, ``report.md``
and the confidence histogram PNG, plus the WER of kept vs dropped pseudo-labels against a reference.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import asdict
from pathlib import Path
from typing import Dict, Optional, Sequence

from bigssl.io_utils import PathLike, save_figure_atomic
from bigssl.nst.filter_rules import (
    BELOW_THRESHOLD,
    DROP_REASONS,
    OUTSIDE_TOP,
    SANITY_REASONS,
    Decision,
    FilterRule,
    effective_threshold,
)
from bigssl.nst.pseudo_dir import PseudoLabel
from bigssl.score.markdown import fmt, md_table


def stats(values: Sequence[float]) -> Optional[Dict[str, float]]:
    """n, mean, min, p10, median, p90, max of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)

    def quantile(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]

    return {
        "n": len(ordered),
        "mean": round(statistics.fmean(ordered), 6),
        "min": ordered[0],
        "p10": quantile(0.1),
        "median": round(statistics.median(ordered), 6),
        "p90": quantile(0.9),
        "max": ordered[-1],
    }


def wer_of_groups(
    decisions: Sequence[Decision],
    hyps: Dict[str, str],
    refs: Dict[str, str],
    ref_path: str = "reference",
) -> Dict[str, Optional[Dict[str, float]]]:
    """sclite-style WER rows of the kept, dropped and all pseudo-labels against a reference.

    Every pseudo-labeled utterance must have a reference (else ValueError naming them); extra
    references are ignored. An empty group gives None.
    """
    from bigssl.score.wer import score

    missing = sorted(d.utt for d in decisions if d.utt not in refs)
    if missing:
        raise ValueError(
            f"{ref_path}: {len(missing)} pseudo-labeled utterance(s) have no reference: {missing[:10]}"
        )
    groups = {
        "kept": [d.utt for d in decisions if d.keep],
        "dropped": [d.utt for d in decisions if not d.keep],
        "all": [d.utt for d in decisions],
    }
    out: Dict[str, Optional[Dict[str, float]]] = {}
    for name, utts in groups.items():
        out[name] = (
            score({u: refs[u] for u in utts}, {u: hyps[u] for u in utts}).row()
            if utts
            else None
        )
    return out


def build_report(
    decisions: Sequence[Decision],
    labels: Sequence[PseudoLabel],
    rule: FilterRule,
    title: str = "",
    wer: Optional[Dict[str, Optional[Dict[str, float]]]] = None,
    reference_text: Optional[str] = None,
) -> Dict[str, object]:
    """The content of ``report.json`` (read by ``bigssl.bin.nst_report``)."""
    duration = {x.utt: x.duration for x in labels}
    kept = [d for d in decisions if d.keep]
    dropped = [d for d in decisions if not d.keep]
    total_h = sum(duration.values()) / 3600.0
    kept_h = sum(duration[d.utt] for d in kept) / 3600.0
    by_reason = {r: sum(1 for d in dropped if d.reason == r) for r in DROP_REASONS}
    hours_by_reason = {
        r: round(sum(duration[d.utt] for d in dropped if d.reason == r) / 3600.0, 6)
        for r in DROP_REASONS
    }
    return {
        "title": title,
        "rule": {
            **asdict(rule),
            "kind": rule.kind,
            "description": rule.describe(),
            "effective_threshold": effective_threshold(decisions, rule),
        },
        "counts": {
            "total": len(decisions),
            "kept": len(kept),
            "dropped": len(dropped),
            "dropped_by_reason": by_reason,
        },
        "hours": {
            "total": round(total_h, 6),
            "kept": round(kept_h, 6),
            "dropped": round(total_h - kept_h, 6),
            "kept_fraction": round(kept_h / total_h, 6) if total_h else None,
            "dropped_by_reason": hours_by_reason,
        },
        "confidence": {
            "all": stats([d.confidence for d in decisions]),
            "kept": stats([d.confidence for d in kept]),
            "dropped": stats([d.confidence for d in dropped]),
        },
        "reference_text": reference_text,
        "wer": wer,
    }


def report_markdown(report: Dict[str, object], hist_link: Optional[str] = None) -> str:
    """A short markdown section: counts per reason, hours, and kept/dropped/all WER when scored."""
    counts, hours, rule = report["counts"], report["hours"], report["rule"]  # type: ignore[index]
    title = report.get("title") or "pseudo-labels"
    rows = [["kept", counts["kept"], f"{hours['kept']:.2f}"]]  # type: ignore[index]
    for reason in DROP_REASONS:
        n = counts["dropped_by_reason"][reason]  # type: ignore[index]
        if n:
            rows.append([f"dropped: {reason}", n, f"{hours['dropped_by_reason'][reason]:.2f}"])  # type: ignore[index]
    lines = [
        f"## Pseudo-label filtering: {title}\n",
        f"Rule: {rule['description']}"  # type: ignore[index]
        + (
            f" (effective confidence cut {rule['effective_threshold']:.3f})"  # type: ignore[index]
            if rule["effective_threshold"] is not None
            else ""
        )
        + ".\n",  # type: ignore[index]
        f"Kept {counts['kept']} / {counts['total']} utterances, "  # type: ignore[index]
        f"{hours['kept']:.2f} h / {hours['total']:.2f} h of audio"  # type: ignore[index]
        + (
            f" ({100 * hours['kept_fraction']:.1f}%)"
            if hours["kept_fraction"] is not None
            else ""
        )
        + ".\n",  # type: ignore[index]
        md_table(["decision", "utterances", "hours"], rows),
    ]
    wer = report.get("wer")
    if wer:
        wer_rows = []
        for name in ("kept", "dropped", "all"):
            row = wer[name]  # type: ignore[index]
            wer_rows.append(
                [
                    name,
                    fmt(row and row["Snt"], "d"),
                    fmt(row and row["Wrd"], "d"),
                    fmt(row and row["Err"]),
                ]
            )
        lines += [
            "",
            f"WER (%) of the pseudo-labels against `{report.get('reference_text')}` "
            "(the filter helps when kept < all < dropped):\n",
            md_table(["pseudo-labels", "utterances", "words", "WER"], wer_rows),
        ]
    if hist_link:
        lines += ["", f"![confidence histogram, kept vs dropped]({hist_link})"]
    return "\n".join(lines) + "\n"


def plot_confidence_hist(
    decisions: Sequence[Decision], rule: FilterRule, png: PathLike, title: str = ""
) -> Path:
    """Stacked histogram of confidence: kept, dropped by the confidence rule, dropped by sanity."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [
        ("kept", [d.confidence for d in decisions if d.keep], "tab:green"),
        (
            "dropped: confidence",
            [
                d.confidence
                for d in decisions
                if d.reason in (BELOW_THRESHOLD, OUTSIDE_TOP)
            ],
            "tab:red",
        ),
        (
            "dropped: sanity",
            [d.confidence for d in decisions if d.reason in SANITY_REASONS],
            "tab:gray",
        ),
    ]
    # confidences of a trained model crowd near 1: bin the observed range finely, not all of [0, 1]
    values = [d.confidence for d in decisions]
    low = max(0.0, min(values) - 0.01) if values else 0.0
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.hist(
        [g[1] for g in groups],
        bins=50,
        range=(low, 1.0),
        stacked=True,
        label=[f"{g[0]} ({len(g[1])})" for g in groups],
        color=[g[2] for g in groups],
    )
    cut = effective_threshold(decisions, rule)
    if cut is not None:
        ax.axvline(cut, color="black", ls="--", lw=1, label=f"confidence cut {cut:.3f}")
    ax.set_xlabel("confidence (length-normalized mean token posterior)")
    ax.set_ylabel("utterances")
    ax.set_xlim(low, 1.0)
    ax.set_title(title or "pseudo-label confidence")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure_atomic(fig, png)


def log_summary(report: Dict[str, object], out_dir: PathLike) -> None:
    """One INFO line of counts/hours per reason of a filter run into ``out_dir``."""
    out_dir = Path(out_dir)
    counts, hours = report["counts"], report["hours"]
    logging.info(
        "kept %d / %d utterances (%.2f h / %.2f h); dropped by reason: %s; report: %s",
        counts["kept"],
        counts["total"],
        hours["kept"],
        hours["total"],  # type: ignore[index]
        counts["dropped_by_reason"],
        out_dir / "filter" / "report.md",
    )  # type: ignore[index]
