"""Filtering of pseudo-labels: keep/drop with a reason per utterance (pure functions + file I/O).

Order of the rules (the first one that fails gives the reason):

1. sanity: an empty hypothesis (``empty_hypothesis``), tokens per second of audio below the minimum
   (``tokens_per_sec_below_min``: the teacher dropped speech) or above the maximum
   (``tokens_per_sec_above_max``: hallucinated/looping output);
2. confidence, one of:
   - an absolute threshold: keep ``confidence >= threshold`` (else ``below_threshold``);
   - keep the top P% of what passed the sanity filters: ``floor(N * P / 100)`` utterances with the
     highest confidence, ties broken by utterance id (C-locale order, smaller id first); the rest
     get ``outside_top_percent``;
   - neither: every sane utterance is kept.

Kept utterances get the reason ``passed``.

A pseudo-label dir written with ``--nbest K`` also holds ``nbest_text.<k>``/``nbest_weight.<k>``
(k = 1..K); the filter (which decides by the 1-best confidence) checks them and copies the kept
utterances' rows into the output dir, for K-best training (:mod:`bigssl.nst.student_data`).
"""
from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bigssl.data.kaldi_dir import DataDir
from bigssl.io_utils import PathLike, read_kv, save_figure_atomic, write_kv, write_text_atomic

PASSED = "passed"
EMPTY = "empty_hypothesis"
TOO_SLOW = "tokens_per_sec_below_min"
TOO_FAST = "tokens_per_sec_above_max"
BELOW_THRESHOLD = "below_threshold"
OUTSIDE_TOP = "outside_top_percent"
DROP_REASONS = (EMPTY, TOO_SLOW, TOO_FAST, BELOW_THRESHOLD, OUTSIDE_TOP)
SANITY_REASONS = (EMPTY, TOO_SLOW, TOO_FAST)

# Files of a pseudo-label dir, all keyed by the same utterance ids.
PSEUDO_FILES = ("wav.scp", "utt2spk", "text", "confidence", "num_tokens", "duration")
NBEST_TEXT = "nbest_text"
NBEST_WEIGHT = "nbest_weight"
NBEST_SUM_TOLERANCE = 1e-3  # the weights are written with 6 decimals


@dataclass(frozen=True)
class PseudoLabel:
    utt: str
    text: str
    confidence: float
    num_tokens: int
    duration: float

    @property
    def tokens_per_sec(self) -> float:
        return self.num_tokens / self.duration


@dataclass(frozen=True)
class FilterRule:
    """``threshold`` and ``keep_top_percent`` are mutually exclusive; neither keeps all sane ones."""

    threshold: Optional[float] = None
    keep_top_percent: Optional[float] = None
    min_tokens_per_sec: float = 0.5
    max_tokens_per_sec: float = 30.0

    def __post_init__(self) -> None:
        if self.threshold is not None and self.keep_top_percent is not None:
            raise ValueError("give either threshold or keep_top_percent, not both")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        if self.keep_top_percent is not None and not 0.0 < self.keep_top_percent <= 100.0:
            raise ValueError(f"keep_top_percent must be in (0, 100], got {self.keep_top_percent}")
        if not 0.0 <= self.min_tokens_per_sec <= self.max_tokens_per_sec:
            raise ValueError(
                f"need 0 <= min_tokens_per_sec <= max_tokens_per_sec, got {self.min_tokens_per_sec} "
                f"and {self.max_tokens_per_sec}"
            )

    @property
    def kind(self) -> str:
        if self.threshold is not None:
            return "threshold"
        if self.keep_top_percent is not None:
            return "top_percent"
        return "none"

    def describe(self) -> str:
        sanity = f"{self.min_tokens_per_sec:g} <= tokens/s <= {self.max_tokens_per_sec:g}, non-empty"
        if self.kind == "threshold":
            return f"{sanity}; confidence >= {self.threshold:g}"
        if self.kind == "top_percent":
            return f"{sanity}; top {self.keep_top_percent:g}% by confidence"
        return f"{sanity}; no confidence rule"


@dataclass(frozen=True)
class Decision:
    utt: str
    keep: bool
    reason: str
    confidence: float


def sanity_reason(label: PseudoLabel, rule: FilterRule) -> Optional[str]:
    """The sanity-filter reason to drop ``label``, or None when it is sane."""
    if not label.text.strip() or label.num_tokens == 0:
        return EMPTY
    rate = label.tokens_per_sec
    if rate < rule.min_tokens_per_sec:
        return TOO_SLOW
    if rate > rule.max_tokens_per_sec:
        return TOO_FAST
    return None


def top_percent_count(num_sane: int, percent: float) -> int:
    """``floor(num_sane * percent / 100)``, robust to float round-off (70% of 10 is 7)."""
    return min(num_sane, int(math.floor(num_sane * percent / 100.0 + 1e-9)))


def decide(labels: Sequence[PseudoLabel], rule: FilterRule) -> List[Decision]:
    """One decision per label, in C-locale utterance-id order."""
    ordered = sorted(labels, key=lambda x: x.utt.encode("utf-8"))
    reasons: Dict[str, Optional[str]] = {x.utt: sanity_reason(x, rule) for x in ordered}
    sane = [x for x in ordered if reasons[x.utt] is None]
    if rule.kind == "threshold":
        for x in sane:
            reasons[x.utt] = None if x.confidence >= rule.threshold else BELOW_THRESHOLD  # type: ignore[operator]
    elif rule.kind == "top_percent":
        ranked = sorted(sane, key=lambda x: (-x.confidence, x.utt.encode("utf-8")))
        count = top_percent_count(len(ranked), rule.keep_top_percent)  # type: ignore[arg-type]
        for x in ranked[count:]:
            reasons[x.utt] = OUTSIDE_TOP
    return [Decision(x.utt, reasons[x.utt] is None, reasons[x.utt] or PASSED, x.confidence) for x in ordered]


# ----------------------------------------------------------------------------------------- reading
def _parse_float(path: Path, utt: str, value: str) -> float:
    if len(value.split()) != 1:
        raise ValueError(f"{path}: utterance '{utt}': expected one number, got '{value}' (malformed line)")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{path}: utterance '{utt}': not a number: '{value}'") from None
    if not math.isfinite(number):
        raise ValueError(f"{path}: utterance '{utt}': not a finite number: '{value}'")
    return number


def _parse_int(path: Path, utt: str, value: str) -> int:
    number = _parse_float(path, utt, value)
    if number != int(number) or number < 0:
        raise ValueError(f"{path}: utterance '{utt}': expected a non-negative integer, got '{value}'")
    return int(number)


def load_pseudo_dir(pseudo_dir: PathLike) -> "tuple[DataDir, List[PseudoLabel]]":
    """Read and validate a pseudo-label dir; errors name the file and the utterance."""
    pseudo_dir = Path(pseudo_dir)
    tables: Dict[str, Dict[str, str]] = {}
    for name in PSEUDO_FILES:
        path = pseudo_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"{pseudo_dir}: missing {name}")
        tables[name] = read_kv(path)
    reference_name = "wav.scp"
    utts = set(tables[reference_name])
    for name in PSEUDO_FILES[1:]:
        keys = set(tables[name])
        if keys != utts:
            missing = sorted(utts - keys)
            extra = sorted(keys - utts)
            raise ValueError(
                f"{pseudo_dir / name}: utterance set differs from {pseudo_dir / reference_name}: "
                f"{len(missing)} missing (e.g. {missing[:3]}), {len(extra)} extra (e.g. {extra[:3]})"
            )
    for name in ("wav.scp", "utt2spk"):
        for utt, value in tables[name].items():
            if not value:
                raise ValueError(f"{pseudo_dir / name}: utterance '{utt}': no value (malformed line)")
    labels = []
    for utt in sorted(utts, key=lambda u: u.encode("utf-8")):
        confidence = _parse_float(pseudo_dir / "confidence", utt, tables["confidence"][utt])
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(f"{pseudo_dir / 'confidence'}: utterance '{utt}': confidence {confidence} outside [0, 1]")
        duration = _parse_float(pseudo_dir / "duration", utt, tables["duration"][utt])
        if duration <= 0:
            raise ValueError(f"{pseudo_dir / 'duration'}: utterance '{utt}': duration must be > 0, got {duration}")
        num_tokens = _parse_int(pseudo_dir / "num_tokens", utt, tables["num_tokens"][utt])
        labels.append(PseudoLabel(utt, tables["text"][utt], confidence, num_tokens, duration))
    data = DataDir(wav_scp=tables["wav.scp"], utt2spk=tables["utt2spk"], text=tables["text"])
    return data, labels


@dataclass
class NBest:
    """The K-best hypotheses of a pseudo-label dir: ``texts[utt][k - 1]``, ``weights[utt][k - 1]``."""

    k: int
    texts: Dict[str, List[str]]
    weights: Dict[str, List[float]]

    def subset(self, utts: Sequence[str]) -> "NBest":
        return NBest(self.k, {u: self.texts[u] for u in utts}, {u: self.weights[u] for u in utts})

    def save(self, directory: PathLike) -> None:
        directory = Path(directory)
        for k in range(self.k):
            write_kv(directory / f"{NBEST_TEXT}.{k + 1}", ((u, h[k]) for u, h in self.texts.items()))
            write_kv(directory / f"{NBEST_WEIGHT}.{k + 1}", ((u, f"{w[k]:.6f}") for u, w in self.weights.items()))


def nbest_files(directory: PathLike) -> List[Path]:
    """The ``nbest_text.*``/``nbest_weight.*`` files of ``directory`` (empty without K-best)."""
    directory = Path(directory)
    return sorted(p for pattern in (f"{NBEST_TEXT}.*", f"{NBEST_WEIGHT}.*") for p in directory.glob(pattern)
                  if p.is_file())


def load_nbest(directory: PathLike, utts: Sequence[str]) -> Optional[NBest]:
    """Read and check the K-best files of ``directory``; None when it has none.

    ``nbest_text.k`` and ``nbest_weight.k`` must exist for every k = 1..K and cover exactly ``utts``;
    weights are numbers in [0, 1] summing to 1 (within 1e-3) over the K hypotheses of an utterance
    (a slot the beam did not fill has an empty text and weight 0; an all-blank hypothesis is empty
    too but may carry weight, so the sum runs over all K). Errors name file and utterance.
    """
    directory = Path(directory)
    files = nbest_files(directory)
    if not files:
        return None
    indices = {}
    for path in files:
        stem, _, suffix = path.name.rpartition(".")
        if not suffix.isdigit() or int(suffix) < 1:
            raise ValueError(f"{path}: K-best file names must end in .1, .2, ... (got '{path.name}')")
        indices.setdefault(stem, set()).add(int(suffix))
    k = max(max(v) for v in indices.values())
    for stem in (NBEST_TEXT, NBEST_WEIGHT):
        missing = sorted(set(range(1, k + 1)) - indices.get(stem, set()))
        if missing:
            raise FileNotFoundError(f"{directory}: K-best files for K={k} but no {', '.join(f'{stem}.{i}' for i in missing)}")
    want = set(utts)
    texts: Dict[str, List[str]] = {u: [] for u in want}
    weights: Dict[str, List[float]] = {u: [] for u in want}
    for i in range(1, k + 1):
        for stem, target in ((NBEST_TEXT, texts), (NBEST_WEIGHT, weights)):
            path = directory / f"{stem}.{i}"
            table = read_kv(path)
            if set(table) != want:
                missing = sorted(want - set(table))
                extra = sorted(set(table) - want)
                raise ValueError(f"{path}: utterance set differs from {directory / 'wav.scp'}: {len(missing)} missing "
                                 f"(e.g. {missing[:3]}), {len(extra)} extra (e.g. {extra[:3]})")
            for utt, value in table.items():
                if stem == NBEST_TEXT:
                    target[utt].append(" ".join(value.split()))
                    continue
                weight = _parse_float(path, utt, value)
                if not 0.0 <= weight <= 1.0:
                    raise ValueError(f"{path}: utterance '{utt}': weight {weight} outside [0, 1]")
                target[utt].append(weight)
    for utt in sorted(want, key=lambda u: u.encode("utf-8")):
        total = sum(weights[utt])
        if abs(total - 1.0) > NBEST_SUM_TOLERANCE:
            raise ValueError(f"{directory}/{NBEST_WEIGHT}.1..{k}: utterance '{utt}': the {k} weights sum to {total:.6f}, not 1")
    return NBest(k, texts, weights)


# ---------------------------------------------------------------------------------------- reporting
def _stats(values: Sequence[float]) -> Optional[Dict[str, float]]:
    if not values:
        return None
    ordered = sorted(values)

    def quantile(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]

    return {
        "n": len(ordered), "mean": round(statistics.fmean(ordered), 6), "min": ordered[0],
        "p10": quantile(0.1), "median": round(statistics.median(ordered), 6), "p90": quantile(0.9),
        "max": ordered[-1],
    }


def effective_threshold(decisions: Sequence[Decision], rule: FilterRule) -> Optional[float]:
    """The confidence cut actually applied: the threshold, or the lowest kept confidence for top-P."""
    if rule.kind == "threshold":
        return rule.threshold
    if rule.kind == "top_percent":
        kept = [d.confidence for d in decisions if d.keep]
        return min(kept) if kept else None
    return None


def wer_of_groups(
    decisions: Sequence[Decision], hyps: Dict[str, str], refs: Dict[str, str], ref_path: str = "reference"
) -> Dict[str, Optional[Dict[str, float]]]:
    """sclite-style WER rows of the kept, dropped and all pseudo-labels against a reference.

    Every pseudo-labeled utterance must have a reference (else ValueError naming them); extra
    references are ignored. An empty group gives None.
    """
    from bigssl.score.wer import score

    missing = sorted(d.utt for d in decisions if d.utt not in refs)
    if missing:
        raise ValueError(f"{ref_path}: {len(missing)} pseudo-labeled utterance(s) have no reference: {missing[:10]}")
    groups = {
        "kept": [d.utt for d in decisions if d.keep],
        "dropped": [d.utt for d in decisions if not d.keep],
        "all": [d.utt for d in decisions],
    }
    out: Dict[str, Optional[Dict[str, float]]] = {}
    for name, utts in groups.items():
        out[name] = score({u: refs[u] for u in utts}, {u: hyps[u] for u in utts}).row() if utts else None
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
    hours_by_reason = {r: round(sum(duration[d.utt] for d in dropped if d.reason == r) / 3600.0, 6) for r in DROP_REASONS}
    return {
        "title": title,
        "rule": {**asdict(rule), "kind": rule.kind, "description": rule.describe(),
                 "effective_threshold": effective_threshold(decisions, rule)},
        "counts": {"total": len(decisions), "kept": len(kept), "dropped": len(dropped), "dropped_by_reason": by_reason},
        "hours": {"total": round(total_h, 6), "kept": round(kept_h, 6), "dropped": round(total_h - kept_h, 6),
                  "kept_fraction": round(kept_h / total_h, 6) if total_h else None,
                  "dropped_by_reason": hours_by_reason},
        "confidence": {"all": _stats([d.confidence for d in decisions]), "kept": _stats([d.confidence for d in kept]),
                       "dropped": _stats([d.confidence for d in dropped])},
        "reference_text": reference_text,
        "wer": wer,
    }


def nbest_summary(nbest: NBest, kept: Sequence[str]) -> Dict[str, object]:
    """K, and over the kept utterances: usable hypotheses per utterance and the mean 1-best weight."""
    usable = [sum(1 for t, w in zip(nbest.texts[u], nbest.weights[u]) if t and w > 0) for u in kept]
    return {"k": nbest.k, "kept_utterances": len(kept),
            "mean_hypotheses": round(statistics.fmean(usable), 4) if usable else None,
            "mean_top_weight": round(statistics.fmean(max(nbest.weights[u]) for u in kept), 4) if kept else None}


def _fmt(value: object, spec: str = ".1f") -> str:
    return "–" if value is None else format(value, spec)


def report_markdown(report: Dict[str, object], hist_link: Optional[str] = None) -> str:
    """A short markdown section: counts per reason, hours, and kept/dropped/all WER when scored."""
    counts, hours, rule = report["counts"], report["hours"], report["rule"]  # type: ignore[index]
    title = report.get("title") or "pseudo-labels"
    lines = [
        f"## Pseudo-label filtering: {title}\n",
        f"Rule: {rule['description']}"  # type: ignore[index]
        + (f" (effective confidence cut {rule['effective_threshold']:.3f})"  # type: ignore[index]
           if rule["effective_threshold"] is not None else "") + ".\n",  # type: ignore[index]
        f"Kept {counts['kept']} / {counts['total']} utterances, "  # type: ignore[index]
        f"{hours['kept']:.2f} h / {hours['total']:.2f} h of audio"  # type: ignore[index]
        + (f" ({100 * hours['kept_fraction']:.1f}%)" if hours["kept_fraction"] is not None else "") + ".\n",  # type: ignore[index]
        "| decision | utterances | hours |",
        "|---|---|---|",
        f"| kept | {counts['kept']} | {hours['kept']:.2f} |",  # type: ignore[index]
    ]
    for reason in DROP_REASONS:
        n = counts["dropped_by_reason"][reason]  # type: ignore[index]
        if n:
            lines.append(f"| dropped: {reason} | {n} | {hours['dropped_by_reason'][reason]:.2f} |")  # type: ignore[index]
    nbest = report.get("nbest")
    if nbest:
        lines.append(f"\nK-best: K={nbest['k']}; the kept utterances carry {_fmt(nbest['mean_hypotheses'], '.2f')} "  # type: ignore[index]
                     f"usable hypotheses on average (best weight {_fmt(nbest['mean_top_weight'], '.3f')} on average).")  # type: ignore[index]
    wer = report.get("wer")
    if wer:
        lines += ["", f"WER (%) of the pseudo-labels against `{report.get('reference_text')}` "
                  "(the filter helps when kept < all < dropped):\n",
                  "| pseudo-labels | utterances | words | WER |", "|---|---|---|---|"]
        for name in ("kept", "dropped", "all"):
            row = wer[name]  # type: ignore[index]
            lines.append(f"| {name} | {_fmt(row and row['Snt'], 'd')} | {_fmt(row and row['Wrd'], 'd')} | "
                         f"{_fmt(row and row['Err'])} |")
    if hist_link:
        lines += ["", f"![confidence histogram, kept vs dropped]({hist_link})"]
    return "\n".join(lines) + "\n"


def plot_confidence_hist(decisions: Sequence[Decision], rule: FilterRule, png: PathLike, title: str = "") -> Path:
    """Stacked histogram of confidence: kept, dropped by the confidence rule, dropped by sanity."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [
        ("kept", [d.confidence for d in decisions if d.keep], "tab:green"),
        ("dropped: confidence", [d.confidence for d in decisions if d.reason in (BELOW_THRESHOLD, OUTSIDE_TOP)], "tab:red"),
        ("dropped: sanity", [d.confidence for d in decisions if d.reason in SANITY_REASONS], "tab:gray"),
    ]
    # confidences of a trained model crowd near 1: bin the observed range finely, not all of [0, 1]
    values = [d.confidence for d in decisions]
    low = max(0.0, min(values) - 0.01) if values else 0.0
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.hist([g[1] for g in groups], bins=50, range=(low, 1.0), stacked=True,
            label=[f"{g[0]} ({len(g[1])})" for g in groups], color=[g[2] for g in groups])
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


def filter_pseudo_dir(
    pseudo_dir: PathLike,
    out_dir: PathLike,
    rule: FilterRule,
    reference_text: Optional[PathLike] = None,
    title: str = "",
) -> Dict[str, object]:
    """Filter ``pseudo_dir`` into the Kaldi data dir ``out_dir`` plus ``out_dir/filter/`` reports.

    The reports are written before the data dir; if nothing is kept, RuntimeError (after the
    reports, so the histogram shows why) and no data dir files.
    """
    out_dir = Path(out_dir)
    data, labels = load_pseudo_dir(pseudo_dir)
    if not labels:
        raise ValueError(f"{pseudo_dir}: no utterances")
    nbest = load_nbest(pseudo_dir, [x.utt for x in labels])
    decisions = decide(labels, rule)
    wer = None
    if reference_text is not None:
        wer = wer_of_groups(decisions, data.text, read_kv(reference_text), str(reference_text))
    report = build_report(decisions, labels, rule, title, wer, str(reference_text) if reference_text else None)
    report["pseudo_dir"] = str(pseudo_dir)
    report["nbest"] = nbest_summary(nbest, [d.utt for d in decisions if d.keep]) if nbest else None
    filter_dir = out_dir / "filter"
    filter_dir.mkdir(parents=True, exist_ok=True)
    write_kv(filter_dir / "decisions",
             ((d.utt, f"{'keep' if d.keep else 'drop'} {d.reason} {d.confidence:.6f}") for d in decisions))
    plot_confidence_hist(decisions, rule, filter_dir / "confidence_hist.png", title)
    write_text_atomic(filter_dir / "report.json", json.dumps(report, indent=2) + "\n")
    write_text_atomic(filter_dir / "report.md", report_markdown(report))
    kept = [d.utt for d in decisions if d.keep]
    if not kept:
        raise RuntimeError(f"{pseudo_dir}: no pseudo-label passed the filter ({rule.describe()}); "
                           f"see {filter_dir / 'report.md'}")
    data.subset(kept).save(out_dir)
    if nbest is not None:
        nbest.subset(kept).save(out_dir)
    else:
        for stale in nbest_files(out_dir):  # from an earlier run on a K-best pseudo dir
            stale.unlink()
    return report
