"""Claim verdicts computed from fabricated score tables (fake exp dirs with scored decodings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from bigssl.bin import claims_report
from bigssl.score import claims
from bigssl.score.claims import FAILS, HOLDS, NOT_MEASURED


def _exp(root: Path, name: str, cer: float, wer: float, test_set: str = "test") -> Path:
    exp = root / name
    for unit, err in (("wer", wer), ("cer", cer)):
        out = exp / "decode_x" / test_set / f"score_{unit}"
        out.mkdir(parents=True)
        (out / "result.json").write_text(json.dumps({"Snt": 10, "Wrd": 50, "Err": err}))
    return exp


def _scores(
    root: Path, table: Dict[str, List[Tuple[float, float]]]
) -> Dict[str, claims.RoleScores]:
    """role -> [(cer, wer) per seed] -> loaded RoleScores."""
    return {
        role: claims.load_role(
            role,
            [_exp(root, f"{role}_seed{i}", c, w) for i, (c, w) in enumerate(seeds)],
            "test",
        )
        for role, seeds in table.items()
    }


def _verdicts(
    root: Path, table: Dict[str, List[Tuple[float, float]]]
) -> Dict[str, str]:
    means = claims.means_table(_scores(root, table))
    return {c.key: v.verdict for c, v in claims.judge_claims(means)}


GOOD = {
    "supervised_100": [(10.0, 20.0)],
    "nst_gen0_10": [(14.0, 28.0)],
    "nst_gen1_10": [(12.0, 24.0)],
    "nst_gen2_10": [(11.0, 22.0)],
    "scratch_3": [(60.0, 90.0)],
    "pretrained_3": [(30.0, 60.0)],  # 50 % reduction
    "scratch_10": [(40.0, 70.0)],
    "pretrained_10": [(30.0, 56.0)],  # 25 %
    "scratch_30": [(20.0, 40.0)],
    "pretrained_30": [(18.0, 38.0)],  # 10 %
    "crossdomain_without": [(30.0, 50.0)],
    "crossdomain_with": [(25.0, 45.0)],
}


def test_all_claims_hold(tmp_path: Path) -> None:
    assert _verdicts(tmp_path, GOOD) == {"1": HOLDS, "2": HOLDS, "3": HOLDS, "6": HOLDS}


def test_all_claims_fail(tmp_path: Path) -> None:
    bad = {
        **GOOD,
        "nst_gen2_10": [(12.0, 23.0)],  # ties gen1 on CER; 12 / 10 = 1.2 > 1.15
        "pretrained_30": [(14.0, 30.0)],  # 30 % > 25 % at 10 %: the gain grows
        "crossdomain_with": [(25.0, 50.0)],  # WER tie
    }
    assert _verdicts(tmp_path, bad) == {"1": FAILS, "2": FAILS, "3": FAILS, "6": FAILS}


def test_ties_at_the_boundaries(tmp_path: Path) -> None:
    table = {
        **GOOD,
        "nst_gen2_10": [(11.5, 23.0)],  # exactly 1.15 on both: holds (<=)
        "pretrained_10": [
            (20.0, 35.0)
        ],  # 50 % at 3 % and at 10 %: non-increasing holds
    }
    assert _verdicts(tmp_path, table) == {
        "1": HOLDS,
        "2": HOLDS,
        "3": HOLDS,
        "6": HOLDS,
    }
    means = claims.means_table(
        _scores(tmp_path / "b", {**GOOD, "pretrained_3": [(60.0, 80.0)]})
    )
    verdict = claims.judge_pretraining_gain(means)
    assert verdict.verdict == FAILS and "not positive at 3 %" in verdict.why


def test_mean_over_two_seeds_decides(tmp_path: Path) -> None:
    # seed 1 alone would beat gen1 (11.0 < 12.0); the mean (12.5) does not
    table = {**GOOD, "nst_gen2_10": [(11.0, 21.0), (14.0, 21.0)]}
    scores = _scores(tmp_path, table)
    assert scores["nst_gen2_10"].mean("cer") == 12.5
    assert scores["nst_gen2_10"].describe("cer") == "12.50 [11.00, 14.00]"
    verdicts = {c.key: v for c, v in claims.judge_claims(claims.means_table(scores))}
    assert verdicts["3"].verdict == FAILS
    assert "gen2 vs gen1 CER 12.00 -> 12.50" in verdicts["3"].why
    assert verdicts["1"].verdict == FAILS  # 12.5 / 10 = 1.25 on CER


def test_not_measured_when_a_role_is_missing(tmp_path: Path) -> None:
    table = {
        k: v for k, v in GOOD.items() if k not in ("scratch_30", "crossdomain_with")
    }
    table.pop("nst_gen1_10")
    table.pop("nst_gen2_10")
    verdicts = {
        c.key: v
        for c, v in claims.judge_claims(claims.means_table(_scores(tmp_path, table)))
    }
    assert {k: v.verdict for k, v in verdicts.items()} == {
        "1": NOT_MEASURED,
        "2": NOT_MEASURED,
        "3": NOT_MEASURED,
        "6": NOT_MEASURED,
    }
    assert verdicts["6"].why == "missing: crossdomain_with"
    assert "scratch_30" in verdicts["2"].why


def test_unscored_seed_is_left_out_and_unscored_role_is_missing(tmp_path: Path) -> None:
    scores = _scores(tmp_path, GOOD)
    scores["crossdomain_with"] = claims.load_role(
        "crossdomain_with", [tmp_path / "never_decoded"], "test"
    )
    seeded = claims.load_role(
        "supervised_100", [tmp_path / "supervised_100_seed0", tmp_path / "nope"], "test"
    )
    assert seeded.seeds == 1 and seeded.mean("wer") == 20.0
    verdicts = {
        c.key: v.verdict for c, v in claims.judge_claims(claims.means_table(scores))
    }
    assert verdicts["6"] == NOT_MEASURED and verdicts["1"] == HOLDS


def test_cli_writes_the_section_with_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    roles = {}
    for role, seeds in GOOD.items():
        test_set = "test_new" if role.startswith("crossdomain") else "test"
        exps = [
            str(_exp(tmp_path, f"{role}_s{i}", c, w, test_set))
            for i, (c, w) in enumerate(seeds)
        ]
        roles[role] = (
            {"exps": exps, "test_set": test_set} if test_set != "test" else exps
        )
    roles["supervised_100"].append(str(_exp(tmp_path, "sup_s1", 12.0, 22.0)))
    spec = tmp_path / "claims.yaml"
    spec.write_text(
        yaml.safe_dump(
            {"test_set": "test", "roles": roles, "notes": {3: "filter | threshold 0.9"}}
        )
    )
    out = tmp_path / "sections" / "claims.md"
    claims_report.main(["--spec", str(spec), "--out", str(out)])
    text = out.read_text()
    assert capsys.readouterr().out == text
    assert text.startswith("## BigSSL's claims at mini scale\n")
    assert "| levers tried |" in text and "filter \\| threshold 0.9" in text
    assert text.count("**holds**") == 4
    assert "supervised_100: CER 11.00 [10.00, 12.00], WER 21.00 [20.00, 22.00]" in text
    assert "| crossdomain_with | test_new | 1/1 |" in text
    # 11 / 11 = 1.00 on CER
    assert "CER ratio 1.00 <= 1.15" in text


def test_spec_without_roles_is_an_error(tmp_path: Path) -> None:
    spec = tmp_path / "claims.yaml"
    spec.write_text("test_set: test\n")
    with pytest.raises(ValueError, match="roles"):
        claims_report.main(["--spec", str(spec), "--out", str(tmp_path / "o.md")])


def test_nst_roles_follow_the_nst_fraction(tmp_path: Path) -> None:
    table = {
        k.replace("_10", "_50") if k.startswith("nst_") else k: v
        for k, v in GOOD.items()
    }
    means = claims.means_table(_scores(tmp_path, table))
    default = {c.key: v.verdict for c, v in claims.judge_claims(means)}
    at_50 = {c.key: v.verdict for c, v in claims.judge_claims(means, nst_fraction=50)}
    assert default["1"] == default["3"] == NOT_MEASURED
    assert at_50 == {"1": HOLDS, "2": HOLDS, "3": HOLDS, "6": HOLDS}


def test_spec_can_judge_a_subset_of_the_claims(tmp_path: Path) -> None:
    roles = {
        role: [str(_exp(tmp_path, f"{role}_s0", c, w))]
        for role, ((c, w),) in GOOD.items()
        if role.startswith(("scratch", "pretrained"))
    }
    spec = tmp_path / "claim2.yaml"
    spec.write_text(yaml.safe_dump({"test_set": "test", "roles": roles, "claims": [2]}))
    out = tmp_path / "claim2.md"
    claims_report.main(["--spec", str(spec), "--out", str(out)])
    text = out.read_text()
    assert (
        text.count("**holds**") == 1
        and NOT_MEASURED not in text.split("Systems:")[0].split("| why |")[1]
    )
    assert "| 2 |" in text and "| 1 |" not in text and "| 3 |" not in text
