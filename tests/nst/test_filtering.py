"""Pseudo-label filtering: sanity filters, threshold / top-P rules, reports, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Tuple

import pytest

from bigssl.bin import filter_pseudo
from bigssl.io_utils import read_kv
from bigssl.nst.filter_report import wer_of_groups
from bigssl.nst.filter_rules import (
    BELOW_FLOOR,
    BELOW_THRESHOLD,
    EMPTY,
    OUTSIDE_TOP,
    PASSED,
    TOO_FAST,
    TOO_SHORT,
    TOO_SLOW,
    FilterRule,
    decide,
    top_percent_count,
)
from bigssl.nst.pseudo_dir import PseudoLabel, load_pseudo_dir

# utt: (text, confidence, num_tokens, duration)
Row = Tuple[str, float, int, float]


def _labels(rows: Dict[str, Row]):
    return [PseudoLabel(u, t, c, n, d) for u, (t, c, n, d) in rows.items()]


def _write_pl(directory: Path, rows: Dict[str, Row]) -> Path:
    directory.mkdir(parents=True)
    files = {
        name: []
        for name in (
            "wav.scp",
            "utt2spk",
            "text",
            "confidence",
            "num_tokens",
            "duration",
        )
    }
    for utt, (text, conf, ntok, dur) in sorted(rows.items()):
        files["wav.scp"].append(f"{utt} /audio/{utt}.wav")
        files["utt2spk"].append(f"{utt} {utt.split('-')[0]}")
        files["text"].append(f"{utt} {text}".rstrip())
        files["confidence"].append(f"{utt} {conf}")
        files["num_tokens"].append(f"{utt} {ntok}")
        files["duration"].append(f"{utt} {dur}")
    for name, lines in files.items():
        (directory / name).write_text("\n".join(lines) + "\n")
    return directory


SANE = {
    f"s{i}-u{i}": (f"word{i} x", c, 4, 2.0)
    for i, c in enumerate([0.95, 0.5, 0.8, 0.79, 0.6, 0.99, 0.8, 0.1])
}


def _kept(decisions):
    return {d.utt for d in decisions if d.keep}


def test_threshold_keeps_exactly_those_at_or_above() -> None:
    decisions = decide(_labels(SANE), FilterRule(threshold=0.8))
    assert _kept(decisions) == {u for u, r in SANE.items() if r[1] >= 0.8}
    assert {d.reason for d in decisions if not d.keep} == {BELOW_THRESHOLD}
    assert {d.reason for d in decisions if d.keep} == {PASSED}


def test_top_percent_keeps_the_right_count_and_the_highest() -> None:
    decisions = decide(_labels(SANE), FilterRule(keep_top_percent=50))
    kept = _kept(decisions)
    assert len(kept) == 4
    # 0.99, 0.95, then the two tied 0.8 (both fit)
    assert kept == {"s5-u5", "s0-u0", "s2-u2", "s6-u6"}
    assert {d.reason for d in decisions if not d.keep} == {OUTSIDE_TOP}


def test_top_percent_ties_broken_by_utt_id() -> None:
    rows = {u: ("a b", 0.7, 2, 1.0) for u in ("c", "a", "b", "d")}
    assert _kept(decide(_labels(rows), FilterRule(keep_top_percent=50))) == {"a", "b"}
    assert (
        top_percent_count(10, 70) == 7
        and top_percent_count(3, 70) == 2
        and top_percent_count(3, 100) == 3
    )


def test_top_percent_is_relative_to_the_sane_ones() -> None:
    rows = dict(SANE)
    rows["z-empty"] = ("", 1.0, 0, 2.0)
    rows["z-fast"] = ("a " * 100, 1.0, 100, 1.0)
    decisions = {
        d.utt: d for d in decide(_labels(rows), FilterRule(keep_top_percent=50))
    }
    assert sum(d.keep for d in decisions.values()) == 4
    assert (
        decisions["z-empty"].reason == EMPTY and decisions["z-fast"].reason == TOO_FAST
    )


def test_sanity_filters() -> None:
    rows = {
        "empty": ("", 0.99, 0, 2.0),
        "blank": ("   ", 0.99, 3, 2.0),
        "slow": ("one", 0.99, 1, 10.0),  # 0.1 tokens/s
        "fast": ("x " * 70, 0.99, 70, 2.0),  # 35 tokens/s
        "edge_low": ("a", 0.99, 1, 2.0),  # 0.5 tokens/s: inclusive
        "edge_high": ("b " * 60, 0.99, 60, 2.0),  # 30 tokens/s: inclusive
        "ok": ("hello world", 0.99, 2, 1.0),
    }
    decisions = {d.utt: d.reason for d in decide(_labels(rows), FilterRule())}
    assert decisions == {
        "empty": EMPTY,
        "blank": EMPTY,
        "slow": TOO_SLOW,
        "fast": TOO_FAST,
        "edge_low": PASSED,
        "edge_high": PASSED,
        "ok": PASSED,
    }
    # sanity runs before the confidence rule: a low-confidence empty one is dropped as empty
    low = {"e": ("", 0.1, 0, 1.0)}
    assert decide(_labels(low), FilterRule(threshold=0.5))[0].reason == EMPTY


def test_absolute_floors_stop_junk_that_a_relative_cut_keeps() -> None:
    """Issue 23: with 40 % junk, the top 80 % kept half of it; the floors drop it all.

    The junk scores as measured on the mini teacher: a 0.2 s fragment 0.858, white noise
    0.56-0.60 (real speech 0.786-0.978, >= 0.85 s).
    """
    speech = {f"sp-{i}": (f"word{i} x", 0.8 + 0.02 * i, 4, 2.0) for i in range(6)}
    fragments = {f"fr-{i}": ("a", 0.858, 1, 0.2) for i in range(2)}
    noise = {f"no-{i}": ("a b", 0.56 + 0.02 * i, 2, 3.0) for i in range(2)}
    rows = {**speech, **fragments, **noise}
    relative = decide(_labels(rows), FilterRule(keep_top_percent=80))
    assert _kept(relative) & (
        set(fragments) | set(noise)
    )  # junk survives the relative cut
    floors = FilterRule(keep_top_percent=80, min_duration=0.5, min_confidence=0.7)
    reasons = {d.utt: d.reason for d in decide(_labels(rows), floors)}
    assert {reasons[u] for u in fragments} == {TOO_SHORT}
    assert {reasons[u] for u in noise} == {BELOW_FLOOR}
    # the relative cut then ranks the speech alone: 80 % of 6
    assert sum(reasons[u] == PASSED for u in speech) == 4
    assert (
        "confidence >= 0.7 (floor)" in floors.describe()
        and ">= 0.5 s" in floors.describe()
    )
    with pytest.raises(ValueError, match="min_confidence"):
        FilterRule(min_confidence=1.5)
    with pytest.raises(ValueError, match="min_duration"):
        FilterRule(min_duration=-1)


def test_cli_floors_are_counted_per_reason(tmp_path: Path) -> None:
    rows = {
        "a-speech": ("hello world", 0.9, 2, 1.5),
        "b-fragment": ("a", 0.9, 1, 0.3),  # shorter than the default --min_duration 0.5
        "c-noise": ("a b", 0.55, 2, 2.0),
    }
    pl = _write_pl(tmp_path / "pl", rows)
    out = tmp_path / "out"
    filter_pseudo.main(
        ["--pseudo_dir", str(pl), "--out_dir", str(out), "--min_confidence", "0.6"]
    )
    report = json.loads((out / "filter/report.json").read_text())
    assert report["counts"]["dropped_by_reason"][TOO_SHORT] == 1
    assert report["counts"]["dropped_by_reason"][BELOW_FLOOR] == 1
    assert report["rule"]["min_duration"] == 0.5
    assert set(read_kv(out / "wav.scp")) == {"a-speech"}
    assert TOO_SHORT in (out / "filter/report.md").read_text()


def test_rule_validation() -> None:
    with pytest.raises(ValueError, match="not both"):
        FilterRule(threshold=0.5, keep_top_percent=10)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        FilterRule(threshold=1.5)
    with pytest.raises(ValueError, match="keep_top_percent"):
        FilterRule(keep_top_percent=0)


def test_kept_vs_dropped_wer_hand_made() -> None:
    rows = {
        "a": ("the cat sat", 0.9, 3, 1.0),  # ref "the cat sat": 0 errors / 3
        "b": ("a dog", 0.85, 2, 1.0),  # ref "the dog": 1 sub / 2
        "c": ("big red", 0.3, 2, 1.0),  # ref "big red bus": 1 del / 3
        "d": ("x y z w", 0.2, 4, 1.0),  # ref "q": 1 sub + 3 ins / 1
    }
    refs = {
        "a": "the cat sat",
        "b": "the dog",
        "c": "big red bus",
        "d": "q",
        "extra": "ignored",
    }
    decisions = decide(_labels(rows), FilterRule(threshold=0.8))
    wer = wer_of_groups(decisions, {u: r[0] for u, r in rows.items()}, refs)
    assert wer["kept"]["Err"] == pytest.approx(20.0)  # 1 / 5
    assert wer["dropped"]["Err"] == pytest.approx(125.0)  # 5 / 4
    assert wer["all"]["Err"] == pytest.approx(66.7)  # 6 / 9
    assert wer["kept"]["Snt"] == 2 and wer["dropped"]["Wrd"] == 4
    with pytest.raises(ValueError, match="'c'"):
        wer_of_groups(
            decisions,
            {u: r[0] for u, r in rows.items()},
            {"a": "x", "b": "y", "d": "z"},
        )


def test_cli_writes_data_dir_and_reports(tmp_path: Path) -> None:
    rows = dict(SANE)
    rows["z-empty"] = ("", 0.97, 0, 3.0)
    pl = _write_pl(tmp_path / "pl", rows)
    ref = tmp_path / "ref_text"
    ref.write_text(
        "".join(f"{u} {r[0] or 'something'}\n" for u, r in sorted(rows.items()))
    )
    out = tmp_path / "out"
    filter_pseudo.main(
        [
            "--pseudo_dir",
            str(pl),
            "--out_dir",
            str(out),
            "--threshold",
            "0.8",
            "--reference_text",
            str(ref),
            "--title",
            "generation 1",
        ]
    )
    kept = {u for u, r in SANE.items() if r[1] >= 0.8}
    assert (
        set(read_kv(out / "wav.scp"))
        == kept
        == set(read_kv(out / "text"))
        == set(read_kv(out / "utt2spk"))
    )
    assert (out / "spk2utt").read_text().splitlines()[0] == "s0 s0-u0"
    decisions = read_kv(out / "filter" / "decisions")
    assert decisions["z-empty"].split()[:2] == ["drop", EMPTY]
    assert decisions["s1-u1"].split() == ["drop", BELOW_THRESHOLD, "0.500000"]
    report = json.loads((out / "filter" / "report.json").read_text())
    assert report["counts"] == {
        "total": 9,
        "kept": 4,
        "dropped": 5,
        "dropped_by_reason": {
            EMPTY: 1,
            TOO_SHORT: 0,
            TOO_SLOW: 0,
            TOO_FAST: 0,
            BELOW_FLOOR: 0,
            BELOW_THRESHOLD: 4,
            OUTSIDE_TOP: 0,
        },
    }
    assert report["hours"]["total"] == pytest.approx((8 * 2 + 3) / 3600, abs=1e-6)
    assert report["hours"]["kept"] == pytest.approx(8 / 3600, abs=1e-6)
    assert report["wer"]["kept"]["Err"] == 0.0 and report["wer"]["dropped"]["Err"] > 0
    assert (
        report["rule"]["kind"] == "threshold"
        and report["rule"]["effective_threshold"] == 0.8
    )
    md = (out / "filter" / "report.md").read_text()
    assert "generation 1" in md and "Kept 4 / 9" in md and "| kept | 4 |" in md
    png = (out / "filter" / "confidence_hist.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    assert not list(out.rglob(".*tmp*"))


def test_cli_top_percent_and_no_rule(tmp_path: Path) -> None:
    pl = _write_pl(tmp_path / "pl", SANE)
    filter_pseudo.main(
        [
            "--pseudo_dir",
            str(pl),
            "--out_dir",
            str(tmp_path / "top"),
            "--keep_top_percent",
            "25",
        ]
    )
    assert set(read_kv(tmp_path / "top" / "wav.scp")) == {"s5-u5", "s0-u0"}
    filter_pseudo.main(["--pseudo_dir", str(pl), "--out_dir", str(tmp_path / "all")])
    assert len(read_kv(tmp_path / "all" / "wav.scp")) == len(SANE)


def test_cli_rejects_both_rules(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit):
        filter_pseudo.main(
            [
                "--pseudo_dir",
                "x",
                "--out_dir",
                "y",
                "--threshold",
                "0.5",
                "--keep_top_percent",
                "5",
            ]
        )
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        filter_pseudo.main(["--pseudo_dir", "x", "--out_dir", "y", "--threshold", "2"])
    assert "threshold must be in [0, 1]" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name,line,pattern",
    [
        ("confidence", "s1-u1 1.2", r"confidence.*'s1-u1'.*outside \[0, 1\]"),
        ("confidence", "s1-u1 high", r"confidence.*'s1-u1'.*not a number"),
        ("confidence", "s1-u1", r"confidence.*'s1-u1'"),
        ("confidence", "s1-u1 0.5 0.6", r"confidence.*'s1-u1'.*malformed"),
        ("num_tokens", "s1-u1 2.5", r"num_tokens.*'s1-u1'.*integer"),
        ("duration", "s1-u1 0", r"duration.*'s1-u1'.*> 0"),
        ("wav.scp", "s1-u1", r"wav.scp.*'s1-u1'.*malformed"),
    ],
)
def test_bad_values_name_file_and_utt(
    tmp_path: Path, name: str, line: str, pattern: str
) -> None:
    pl = _write_pl(tmp_path / "pl", SANE)
    lines = [
        x if not x.startswith("s1-u1 ") else line
        for x in (pl / name).read_text().splitlines()
    ]
    (pl / name).write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=pattern):
        load_pseudo_dir(pl)


def test_different_utt_sets_name_file_and_utt(tmp_path: Path) -> None:
    pl = _write_pl(tmp_path / "pl", SANE)
    lines = [
        x
        for x in (pl / "num_tokens").read_text().splitlines()
        if not x.startswith("s3-u3 ")
    ]
    (pl / "num_tokens").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"num_tokens.*1 missing.*s3-u3"):
        load_pseudo_dir(pl)


def test_reference_missing_utts_is_an_error(tmp_path: Path) -> None:
    pl = _write_pl(tmp_path / "pl", SANE)
    ref = tmp_path / "ref"
    ref.write_text("s0-u0 word0 x\n")
    with pytest.raises(ValueError, match=r"no reference.*s1-u1"):
        filter_pseudo.main(
            [
                "--pseudo_dir",
                str(pl),
                "--out_dir",
                str(tmp_path / "o"),
                "--reference_text",
                str(ref),
            ]
        )


def test_nothing_kept_is_an_error_after_the_reports(tmp_path: Path) -> None:
    pl = _write_pl(tmp_path / "pl", {"a": ("x", 0.1, 1, 1.0)})
    with pytest.raises(RuntimeError, match="no pseudo-label passed"):
        filter_pseudo.main(
            [
                "--pseudo_dir",
                str(pl),
                "--out_dir",
                str(tmp_path / "o"),
                "--threshold",
                "0.5",
            ]
        )
    assert (tmp_path / "o" / "filter" / "report.json").is_file()
    assert not (tmp_path / "o" / "wav.scp").exists()
