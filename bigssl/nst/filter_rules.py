"""Filtering rules for pseudo-labels: keep or drop each utterance, with a reason (pure functions).

Order of the rules (the first one that fails gives the reason):

1. sanity: an empty hypothesis (``empty_hypothesis``), audio shorter than ``min_duration``
   (``too_short``: a fragment, which a teacher can label with high confidence), tokens per second
   of audio below the minimum (``tokens_per_sec_below_min``: the teacher dropped speech) or above
   the maximum (``tokens_per_sec_above_max``: hallucinated/looping output), a confidence below the
   absolute floor ``min_confidence`` (``below_min_confidence``: noise, whatever share of the set it
   is; a relative cut alone keeps junk once junk is more than 100 - P % of the set);
2. confidence, one of:
   - an absolute threshold: keep ``confidence >= threshold`` (else ``below_threshold``);
   - keep the top P% of what passed the sanity filters: ``floor(N * P / 100)`` utterances with the
     highest confidence, ties broken by utterance id (C-locale order, smaller id first); the rest
     get ``outside_top_percent``;
   - neither: every sane utterance is kept.

Kept utterances get the reason ``passed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from bigssl.nst.pseudo_dir import PseudoLabel

PASSED = "passed"
EMPTY = "empty_hypothesis"
TOO_SHORT = "too_short"
TOO_SLOW = "tokens_per_sec_below_min"
TOO_FAST = "tokens_per_sec_above_max"
BELOW_FLOOR = "below_min_confidence"
BELOW_THRESHOLD = "below_threshold"
OUTSIDE_TOP = "outside_top_percent"
DROP_REASONS = (
    EMPTY,
    TOO_SHORT,
    TOO_SLOW,
    TOO_FAST,
    BELOW_FLOOR,
    BELOW_THRESHOLD,
    OUTSIDE_TOP,
)
SANITY_REASONS = (EMPTY, TOO_SHORT, TOO_SLOW, TOO_FAST, BELOW_FLOOR)


@dataclass(frozen=True)
class FilterRule:
    """``threshold`` and ``keep_top_percent`` are mutually exclusive; neither keeps all sane ones."""

    threshold: Optional[float] = None
    keep_top_percent: Optional[float] = None
    min_tokens_per_sec: float = 0.5
    max_tokens_per_sec: float = 30.0
    min_duration: float = 0.0
    min_confidence: float = 0.0

    def __post_init__(self) -> None:
        if self.threshold is not None and self.keep_top_percent is not None:
            raise ValueError("give either threshold or keep_top_percent, not both")
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        if (
            self.keep_top_percent is not None
            and not 0.0 < self.keep_top_percent <= 100.0
        ):
            raise ValueError(
                f"keep_top_percent must be in (0, 100], got {self.keep_top_percent}"
            )
        if self.min_duration < 0.0:
            raise ValueError(f"min_duration must be >= 0, got {self.min_duration}")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(
                f"min_confidence must be in [0, 1], got {self.min_confidence}"
            )
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
        if self.min_duration > 0:
            sanity += f", >= {self.min_duration:g} s"
        if self.min_confidence > 0:
            sanity += f", confidence >= {self.min_confidence:g} (floor)"
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
    if label.duration < rule.min_duration:
        return TOO_SHORT
    rate = label.tokens_per_sec
    if rate < rule.min_tokens_per_sec:
        return TOO_SLOW
    if rate > rule.max_tokens_per_sec:
        return TOO_FAST
    if label.confidence < rule.min_confidence:
        return BELOW_FLOOR
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
    return [
        Decision(x.utt, reasons[x.utt] is None, reasons[x.utt] or PASSED, x.confidence)
        for x in ordered
    ]


def effective_threshold(
    decisions: Sequence[Decision], rule: FilterRule
) -> Optional[float]:
    """The confidence cut actually applied: the threshold, or the lowest kept confidence for top-P."""
    if rule.kind == "threshold":
        return rule.threshold
    if rule.kind == "top_percent":
        kept = [d.confidence for d in decisions if d.keep]
        return min(kept) if kept else None
    return None
