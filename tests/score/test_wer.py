"""WER/CER scoring on hand-checked alignments."""
from __future__ import annotations

import pytest

from bigssl.score.wer import align, score


@pytest.mark.parametrize(
    "ref, hyp, ops",
    [
        ("a b c", "a b c", "CCC"),
        ("a b c", "a x c", "CSC"),
        ("a b c", "a c", "CDC"),
        ("a b c", "a b b c", "CCIC"),
        ("a b c d", "", "DDDD"),
        ("", "x y", "II"),
        # Hand-aligned: the cat sat on the mat -> the cat sat at mat now
        ("the cat sat on the mat", "the cat sat at mat now", "CCCSDCI"),
    ],
)
def test_alignment_operations(ref: str, hyp: str, ops: str) -> None:
    result = "".join(align(ref.split(), hyp.split()))
    # Equivalent alignments may order an S/D pair differently; the counts must match exactly.
    assert sorted(result) == sorted(ops)
    assert len(result) - result.count("C") == len(ops) - ops.count("C")


def test_corpus_counts_and_percentages() -> None:
    refs = {"u1": "the cat sat on the mat", "u2": "hello world", "u3": "good"}
    hyps = {"u1": "the cat sat at mat now", "u2": "hello world", "u3": ""}
    counts = score(refs, hyps, "word")
    # u1: 1 sub (on->at), 1 del (the), 1 ins (now); u3: 1 del. 9 reference words.
    assert (counts.sentences, counts.ref_tokens) == (3, 9)
    assert (counts.corr, counts.sub, counts.dele, counts.ins) == (6, 1, 2, 1)
    row = counts.row()
    assert row["Err"] == pytest.approx(100 * 4 / 9, abs=0.05)
    assert row["S.Err"] == pytest.approx(100 * 2 / 3, abs=0.05)
    assert row["Corr"] + row["Sub"] + row["Del"] == pytest.approx(100.0, abs=0.11)


def test_cer_counts_spaces_as_tokens() -> None:
    counts = score({"u": "ab cd"}, {"u": "abcd"}, "char")
    assert counts.ref_tokens == 5 and counts.dele == 1 and counts.sub == 0


def test_missing_hypothesis_is_an_error() -> None:
    with pytest.raises(ValueError, match="1 missing hypothesis"):
        score({"u1": "a", "u2": "b"}, {"u1": "a"})
