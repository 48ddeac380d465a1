"""WER/CER scoring on hand-checked alignments, sclite tie-breaking and the score-dir writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bigssl.bin.score import main as score_main
from bigssl.score.wer import align, score, write_score_dir


def _counts(ops: str) -> tuple:
    return tuple(ops.count(op) for op in "CSDI")


@pytest.mark.parametrize(
    "ref, hyp, ops",
    [
        ("a b c", "a b c", "CCC"),
        ("a b c", "a x c", "CSC"),
        ("a b c", "a c", "CDC"),
        ("a b c", "a b b c", "CICC"),
        ("a b c d", "", "DDDD"),
        ("", "x y", "II"),
        ("", "", ""),
        # A substitution (4) is cheaper than a deletion plus an insertion (6).
        ("a", "b", "S"),
        ("a", "b c", "IS"),
    ],
)
def test_alignment_operations(ref: str, hyp: str, ops: str) -> None:
    assert "".join(align(ref.split(), hyp.split())) == ops


def test_hand_aligned_sentence() -> None:
    # the cat sat on the mat -> the cat sat at mat now: on->at, 'the' deleted, 'now' inserted.
    # Which of 'on'/'the' is the substitution is a tie; the counts are not.
    ops = "".join(
        align("the cat sat on the mat".split(), "the cat sat at mat now".split())
    )
    assert _counts(ops) == (4, 1, 1, 1)
    assert ops.startswith("CCC") and ops.endswith("CI")


@pytest.mark.parametrize(
    "ref, hyp, expected",
    [
        # Equal cost 12: S S S (3 errors) or D D C I I (4 errors, 1 correct). sclite keeps the
        # diagonal step on ties (net_dp.c: sub <= del && sub <= ins), so it reports 3 substitutions;
        # kaldialign's sclite_mode reports DDCII here.
        ("a a b", "b c c", (0, 3, 0, 0)),
        ("a a b", "b c d", (0, 3, 0, 0)),
        # Equal cost 6: D C I or I C D; either way one deletion and one insertion.
        ("a b", "b a", (1, 0, 1, 1)),
        # Equal cost 15: sclite takes the insertion over an equal-cost deletion in the
        # trace-back, giving S S S C I (4 errors), not I I I C D C D (5 errors).
        ("a b b a", "c c c a b", (1, 3, 0, 1)),
    ],
)
def test_sclite_tie_breaking_counts(ref: str, hyp: str, expected: tuple) -> None:
    assert _counts("".join(align(ref.split(), hyp.split()))) == expected


# the sclite row of the u1-u3 example the next tests score (3 sentences, 9 reference words)
CAT_ROW = {
    "Snt": 3,
    "Wrd": 9,
    "Corr": 66.7,
    "Sub": 11.1,
    "Del": 22.2,
    "Ins": 11.1,
    "Err": 44.4,
    "S.Err": 66.7,
}


def test_corpus_counts_and_percentages() -> None:
    refs = {"u1": "the cat sat on the mat", "u2": "hello world", "u3": "good"}
    hyps = {"u1": "the cat sat at mat now", "u2": "hello world", "u3": ""}
    counts = score(refs, hyps, "word")
    # u1: 1 sub (on->at), 1 del (the), 1 ins (now); u3: 1 del. 9 reference words.
    assert (counts.sentences, counts.ref_tokens) == (3, 9)
    assert (counts.corr, counts.sub, counts.dele, counts.ins) == (6, 1, 2, 1)
    assert counts.per_utt == {"u1": (3, 6), "u2": (0, 2), "u3": (1, 1)}
    assert counts.row() == CAT_ROW


def test_cer_counts_spaces_as_tokens() -> None:
    counts = score({"u": "ab cd"}, {"u": "abcd"}, "char")
    assert (counts.ref_tokens, counts.corr, counts.sub, counts.dele, counts.ins) == (
        5,
        4,
        0,
        1,
        0,
    )
    # Runs of whitespace collapse to one boundary token.
    assert score({"u": "ab  cd "}, {"u": "ab cd"}, "char").err == 0.0


def test_unknown_unit_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        score({"u": "a"}, {"u": "a"}, "phone")


def test_missing_hypothesis_is_an_error() -> None:
    with pytest.raises(ValueError, match="1 missing hypothesis"):
        score({"u1": "a", "u2": "b"}, {"u1": "a"})


def test_hypothesis_without_reference_is_an_error() -> None:
    with pytest.raises(ValueError, match="1 without reference"):
        score({"u1": "a"}, {"u1": "a", "u9": "b"})


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_write_score_dir_outputs(tmp_path: Path) -> None:
    ref = _write(
        tmp_path / "ref", "u2 hello world\nu1 the cat sat on the mat\nu3 good\n"
    )
    hyp = _write(tmp_path / "hyp", "u1 the cat sat at mat now\nu3\nu2 hello world\n")
    out = tmp_path / "score_wer"
    out.mkdir()
    row = write_score_dir(ref, hyp, out, "word")
    expected_row = CAT_ROW
    assert row == expected_row
    assert (out / "result.json").read_text(encoding="utf-8") == json.dumps(
        expected_row, indent=2
    ) + "\n"
    ops = "".join(
        align("the cat sat on the mat".split(), "the cat sat at mat now".split())
    )
    assert (out / "alignments.txt").read_text(encoding="utf-8") == (
        f"u1 errors=3 ref_len=6\nREF: the cat sat on the mat\nHYP: the cat sat at mat now\nOPS: {ops}\n\n"
        "u2 errors=0 ref_len=2\nREF: hello world\nHYP: hello world\nOPS: CC\n\n"
        "u3 errors=1 ref_len=1\nREF: good\nHYP: \nOPS: D\n\n"
    )


def test_cli_writes_cer_score_dir(tmp_path: Path) -> None:
    ref = _write(tmp_path / "ref", "u ab cd\n")
    hyp = _write(tmp_path / "hyp", "u abcd\n")
    out = tmp_path / "score_cer"
    out.mkdir()
    score_main(
        ["--ref", str(ref), "--hyp", str(hyp), "--out_dir", str(out), "--unit", "char"]
    )
    assert json.loads((out / "result.json").read_text(encoding="utf-8"))["Err"] == 20.0
    assert (out / "alignments.txt").read_text(
        encoding="utf-8"
    ) == "u errors=1 ref_len=5\nREF: ab cd\nHYP: abcd\nOPS: CCDCC\n\n"


def test_write_score_dir_missing_hypothesis_writes_nothing(tmp_path: Path) -> None:
    ref = _write(tmp_path / "ref", "u1 a\nu2 b\n")
    hyp = _write(tmp_path / "hyp", "u1 a\n")
    out = tmp_path / "score_wer"
    out.mkdir()
    with pytest.raises(ValueError, match=r"1 missing hypothesis \(e.g. \['u2'\]\)"):
        write_score_dir(ref, hyp, out, "word")
    assert list(out.iterdir()) == []
