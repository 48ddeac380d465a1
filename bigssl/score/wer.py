"""Word and character error rates with sclite-style counts (Snt/Wrd/Corr/Sub/Del/Ins/Err/S.Err)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from bigssl.io_utils import atomic_open, read_kv, write_text_atomic

# Alignment operations.
CORRECT, SUB, DEL, INS = "C", "S", "D", "I"


@dataclass
class ErrorCounts:
    """Totals over a test set. ``err`` and ``sent_err`` are percentages."""

    sentences: int = 0
    ref_tokens: int = 0
    corr: int = 0
    sub: int = 0
    dele: int = 0
    ins: int = 0
    sentences_with_error: int = 0
    per_utt: Dict[str, Tuple[int, int]] = field(default_factory=dict)

    def add(self, utt: str, ops: Sequence[str]) -> None:
        counts = {op: 0 for op in (CORRECT, SUB, DEL, INS)}
        for op in ops:
            counts[op] += 1
        self.sentences += 1
        ref_len = counts[CORRECT] + counts[SUB] + counts[DEL]
        self.ref_tokens += ref_len
        self.corr += counts[CORRECT]
        self.sub += counts[SUB]
        self.dele += counts[DEL]
        self.ins += counts[INS]
        errors = counts[SUB] + counts[DEL] + counts[INS]
        self.sentences_with_error += int(errors > 0)
        self.per_utt[utt] = (errors, ref_len)

    def _pct(self, value: int) -> float:
        return 100.0 * value / max(1, self.ref_tokens)

    @property
    def err(self) -> float:
        return self._pct(self.sub + self.dele + self.ins)

    @property
    def sent_err(self) -> float:
        return 100.0 * self.sentences_with_error / max(1, self.sentences)

    def row(self) -> Dict[str, float]:
        """One sclite-style table row (percentages except Snt and Wrd)."""
        return {
            "Snt": self.sentences,
            "Wrd": self.ref_tokens,
            "Corr": round(self._pct(self.corr), 1),
            "Sub": round(self._pct(self.sub), 1),
            "Del": round(self._pct(self.dele), 1),
            "Ins": round(self._pct(self.ins), 1),
            "Err": round(self.err, 1),
            "S.Err": round(self.sent_err, 1),
        }


# sclite's default alignment weights (wwd_WORD): a substitution costs less than a
# deletion plus an insertion. Equal-cost alignments can split the errors differently
# (ref "a a b" / hyp "b c c": S S S or D D C I I, both cost 12), so tie-breaking is
# part of the reported numbers. As sclite (SCTK net_dp.c keeps the diagonal step when
# ``sub <= del and sub <= ins``, and between an equal-cost deletion and insertion takes the
# insertion), the trace-back prefers a correct/substituted step, then an insertion
# (ref "a b b a" / hyp "c c c a b": S S S C I, 4 errors, not I I I C D C D).
# kaldialign's ``sclite_mode`` has these weights but prefers a deletion/insertion over
# the diagonal on ties (e.g. D D C I I above), so it would change reported WER/CER.
SUB_COST, DEL_COST, INS_COST = 4, 3, 3


def align(ref: Sequence[str], hyp: Sequence[str]) -> List[str]:
    """Minimum-cost alignment with sclite's weights; returns the operation per aligned position."""
    n, m = len(ref), len(hyp)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        cost[i][0] = i * DEL_COST
    for j in range(1, m + 1):
        cost[0][j] = j * INS_COST
    for i in range(1, n + 1):
        row, prev = cost[i], cost[i - 1]
        for j in range(1, m + 1):
            diag = prev[j - 1] + (SUB_COST if ref[i - 1] != hyp[j - 1] else 0)
            row[j] = min(diag, prev[j] + DEL_COST, row[j - 1] + INS_COST)
    ops: List[str] = []
    i, j = n, m
    while i > 0 or j > 0:
        same = i > 0 and j > 0 and ref[i - 1] == hyp[j - 1]
        if (
            i > 0
            and j > 0
            and cost[i][j] == cost[i - 1][j - 1] + (0 if same else SUB_COST)
        ):
            ops.append(CORRECT if same else SUB)
            i, j = i - 1, j - 1
        elif j > 0 and cost[i][j] == cost[i][j - 1] + INS_COST:
            ops.append(INS)  # sclite takes the insertion over an equal-cost deletion
            j -= 1
        else:
            ops.append(DEL)
            i -= 1
    return ops[::-1]


def tokenize(text: str, unit: str) -> List[str]:
    """Split into words, or into characters with '<space>' marking word boundaries."""
    words = text.split()
    if unit == "word":
        return words
    if unit == "char":
        return list(" ".join(words))
    raise ValueError(f"unknown unit '{unit}' (word or char)")


def _aligned(
    refs: Dict[str, str], hyps: Dict[str, str], unit: str
) -> List[Tuple[str, List[str]]]:
    """(utterance, operations) in sorted utterance order; id mismatches raise (see ``score``)."""
    missing = [u for u in refs if u not in hyps]
    extra = [u for u in hyps if u not in refs]
    if missing or extra:
        raise ValueError(
            f"hypotheses and references disagree: {len(missing)} missing hypothesis (e.g. {missing[:3]}), "
            f"{len(extra)} without reference (e.g. {extra[:3]})"
        )
    result = []
    for utt in sorted(refs):
        ref_tokens = [t if t != " " else "<space>" for t in tokenize(refs[utt], unit)]
        hyp_tokens = [t if t != " " else "<space>" for t in tokenize(hyps[utt], unit)]
        result.append((utt, align(ref_tokens, hyp_tokens)))
    return result


def score(
    refs: Dict[str, str], hyps: Dict[str, str], unit: str = "word"
) -> ErrorCounts:
    """Score hypotheses against references; every reference must have a hypothesis.

    A missing hypothesis is an error naming the utterance, never a silent skip; a hypothesis
    with no reference is also an error.
    """
    return _counts(_aligned(refs, hyps, unit))


def _counts(aligned: List[Tuple[str, List[str]]]) -> ErrorCounts:
    counts = ErrorCounts()
    for utt, ops in aligned:
        counts.add(utt, ops)
    return counts


def write_score_dir(ref_file: Path, hyp_file: Path, out_dir: Path, unit: str) -> dict:
    """Score a hypothesis ``text`` file against a reference ``text`` file into ``out_dir``.

    Writes ``result.json`` (the sclite-style table row) and ``alignments.txt`` (per utterance:
    error count, reference length, both texts and the operation string); returns the row.
    """
    refs, hyps = read_kv(ref_file), read_kv(hyp_file)
    aligned = _aligned(refs, hyps, unit)
    counts = _counts(aligned)
    row = counts.row()
    with atomic_open(Path(out_dir) / "alignments.txt") as handle:
        for utt, ops in aligned:
            errors, ref_len = counts.per_utt[utt]
            handle.write(
                f"{utt} errors={errors} ref_len={ref_len}\nREF: {refs[utt]}\nHYP: {hyps[utt]}\nOPS: {''.join(ops)}\n\n"
            )
    write_text_atomic(Path(out_dir) / "result.json", json.dumps(row, indent=2) + "\n")
    logging.info("%s %s: %s", hyp_file, unit.upper(), row)
    return row


def read_alignments(path: Path) -> Dict[str, Tuple[int, int]]:
    """Per utterance (errors, reference length) from a score dir's ``alignments.txt``."""
    per_utt: Dict[str, Tuple[int, int]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if " errors=" not in line or line.startswith(("REF:", "HYP:", "OPS:")):
                continue
            utt, errors, ref_len = line.split()
            if not (errors.startswith("errors=") and ref_len.startswith("ref_len=")):
                raise ValueError(f"{path}:{number}: not an utterance header: {line!r}")
            per_utt[utt] = (int(errors[7:]), int(ref_len[8:]))
    return per_utt
