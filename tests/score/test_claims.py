"""Claim verdicts computed from fabricated scored decodings (per-utterance errors, two seeds)."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
import yaml

from bigssl.bin import claims_report
from bigssl.score import claims
from bigssl.score.claims import FAILS, HOLDS, INCONCLUSIVE, NOT_MEASURED
from bigssl.score.wer import read_alignments

UTTS = 200
REF_LEN = {"cer": 50, "wer": 10}  # tokens per utterance


def _exp(
    root: Path,
    name: str,
    cer: float,
    wer: float,
    test_set: str = "test",
    alignments: bool = True,
    utts: int = UTTS,
) -> Path:
    """A fake experiment whose decoding of ``test_set`` has about these error rates (%)."""
    exp = root / name
    rng = np.random.default_rng(zlib.crc32(f"{name}/{test_set}".encode()))
    for unit, rate in (("cer", cer), ("wer", wer)):
        out = exp / "decode_x" / test_set / f"score_{unit}"
        out.mkdir(parents=True)
        errors = rng.binomial(REF_LEN[unit], min(rate, 100.0) / 100, size=utts)
        err = 100.0 * errors.sum() / (REF_LEN[unit] * utts)
        (out / "result.json").write_text(
            json.dumps({"Snt": utts, "Wrd": REF_LEN[unit] * utts, "Err": err})
        )
        if alignments:
            (out / "alignments.txt").write_text(
                "".join(
                    f"utt{i:04d} errors={e} ref_len={REF_LEN[unit]}\nREF: a b\nHYP: a errors=1 b\nOPS: CC\n\n"
                    for i, e in enumerate(errors)
                )
            )
    return exp


Table = Dict[str, List[Tuple[float, float]]]


def _scores(root: Path, table: Table, **kwargs) -> Dict[str, claims.RoleScores]:
    """role -> [(cer, wer) per seed] -> loaded RoleScores."""
    return {
        role: claims.load_role(
            role,
            [
                _exp(root, f"{role}_seed{i}", c, w, **kwargs)
                for i, (c, w) in enumerate(seeds)
            ],
            "test",
        )
        for role, seeds in table.items()
    }


def _verdicts(root: Path, table: Table, **kwargs) -> Dict[str, claims.Verdict]:
    return {c.key: v for c, v in claims.judge_claims(_scores(root, table, **kwargs))}


GOOD: Table = {
    "supervised_100": [(10.0, 20.0), (10.5, 21.0)],
    "nst_gen0_10": [(20.0, 40.0), (21.0, 41.0)],
    "nst_gen1_10": [(14.0, 30.0), (14.5, 31.0)],
    "control_gen1_10": [(18.0, 36.0), (18.5, 37.0)],
    "nst_gen2_10": [(9.0, 18.0), (9.5, 19.0)],
    "control_gen2_10": [(13.0, 27.0), (13.5, 28.0)],
    "scratch_3": [(60.0, 90.0), (62.0, 91.0)],
    "pretrained_3": [(30.0, 60.0), (31.0, 61.0)],  # 50 % reduction
    "scratch_10": [(40.0, 70.0), (41.0, 71.0)],
    "pretrained_10": [(30.0, 56.0), (31.0, 57.0)],  # 25 %
    "scratch_30": [(20.0, 40.0), (21.0, 41.0)],
    "pretrained_30": [(18.0, 38.0), (19.0, 39.0)],  # 10 %
    "student_same_size": [(14.0, 30.0), (14.5, 31.0)],
    "student_bigger": [(11.0, 24.0), (11.5, 25.0)],
    "crossdomain_without": [(30.0, 50.0), (31.0, 51.0)],
    "crossdomain_with": [(25.0, 43.0), (25.5, 44.0)],
}


def test_all_claims_hold_when_every_effect_is_beyond_the_spread(tmp_path: Path) -> None:
    verdicts = _verdicts(tmp_path, GOOD)
    assert {k: v.verdict for k, v in verdicts.items()} == dict.fromkeys("12356", HOLDS)
    assert "per seed [" in verdicts["3"].why and "95 % CI" in verdicts["3"].why


def test_a_control_that_explains_the_gain(tmp_path: Path) -> None:
    # the teacher trained as long without pseudo-labels is as good as generation 1 ...
    same = _verdicts(tmp_path / "a", {**GOOD, "control_gen1_10": GOOD["nst_gen1_10"]})
    assert same["3"].verdict == INCONCLUSIVE
    assert "control_gen1_10 - nst_gen1_10" in same["3"].why
    # ... or better: the NST gain is the steps', and the claim does not hold
    better = _verdicts(
        tmp_path / "b", {**GOOD, "control_gen1_10": [(11.0, 25.0), (11.5, 26.0)]}
    )
    assert better["3"].verdict == FAILS
    # a generation without its control is not judged ...
    no_control = {k: v for k, v in GOOD.items() if k != "control_gen2_10"}
    missing = _verdicts(tmp_path / "c", no_control)["3"]
    assert missing.verdict == NOT_MEASURED and missing.why == "missing: control_gen2_10"
    # ... but generation 1 losing to its teacher refutes the claim whatever generation 2 shows
    worse = {**no_control, "nst_gen1_10": [(24.0, 45.0), (25.0, 46.0)]}
    refuted = _verdicts(tmp_path / "d", worse)["3"]
    assert refuted.verdict == FAILS and refuted.why.endswith(
        "(missing: control_gen2_10)"
    )


def test_the_older_control_name_is_generation_ones(tmp_path: Path) -> None:
    table = {
        k: v
        for k, v in GOOD.items()
        if k not in ("control_gen1_10", "nst_gen2_10", "control_gen2_10")
    }
    table["control_teacher_more_steps_10"] = GOOD["control_gen1_10"]
    verdict = _verdicts(tmp_path, table)["3"]
    assert verdict.verdict == HOLDS and "control_teacher_more_steps_10" in verdict.roles


def test_a_collapsed_seed_does_not_make_a_claim_hold(tmp_path: Path) -> None:
    # scratch seed 2 collapsed (90 % CER): the mean gain at 3 % is large, but one seed has none
    table = {
        **GOOD,
        "scratch_3": [(60.0, 90.0), (90.0, 99.0)],
        "pretrained_3": [(61.0, 90.0), (31.0, 61.0)],
    }
    verdict = _verdicts(tmp_path, table)["2"]
    assert verdict.verdict == INCONCLUSIVE
    assert "relative gain at 3 % (%)" in verdict.why and ": unclear" in verdict.why


def test_an_effect_inside_the_spread_is_inconclusive(tmp_path: Path) -> None:
    # generation 2 is 0.3 points better than generation 1: within what 200 utterances resolve
    table = {
        **GOOD,
        "nst_gen2_10": [(13.7, 29.7), (14.2, 30.7)],
        "control_gen2_10": [(17.0, 35.0), (17.5, 36.0)],
    }
    verdicts = _verdicts(tmp_path, table)
    assert verdicts["3"].verdict == INCONCLUSIVE
    # claim 1's ratio 1.40 is far above 1.15 either way
    assert verdicts["1"].verdict == FAILS


def test_one_seed_is_never_enough(tmp_path: Path) -> None:
    table = {role: seeds[:1] for role, seeds in GOOD.items()}
    verdicts = _verdicts(tmp_path, table)
    assert {v.verdict for v in verdicts.values()} == {INCONCLUSIVE}
    assert "1 paired seed(s), 2 needed" in verdicts["6"].why


def test_without_per_utterance_scores_there_is_no_verdict(tmp_path: Path) -> None:
    verdicts = _verdicts(tmp_path, GOOD, alignments=False)
    assert {v.verdict for v in verdicts.values()} == {INCONCLUSIVE}
    assert "no per-utterance scores" in verdicts["1"].why


def test_systems_scored_on_different_utterances_are_an_error(tmp_path: Path) -> None:
    scores = _scores(tmp_path, GOOD)
    scores["crossdomain_with"] = claims.load_role(
        "crossdomain_with",
        [_exp(tmp_path, f"short{i}", 25.0, 43.0, utts=150) for i in range(2)],
        "test",
    )
    with pytest.raises(ValueError, match="different utterances.*crossdomain_with@test"):
        claims.judge_new_domain(scores)


def test_wer_against_cer_is_inconclusive(tmp_path: Path) -> None:
    table = {**GOOD, "crossdomain_with": [(25.0, 60.0), (25.5, 61.0)]}
    verdict = _verdicts(tmp_path, table)["6"]
    assert verdict.verdict == INCONCLUSIVE and "CER and WER disagree" in verdict.why


def test_not_measured_when_a_role_is_missing(tmp_path: Path) -> None:
    drop = (
        "scratch_30",
        "crossdomain_with",
        "nst_gen1_10",
        "nst_gen2_10",
        "student_bigger",
    )
    verdicts = _verdicts(tmp_path, {k: v for k, v in GOOD.items() if k not in drop})
    assert {k: v.verdict for k, v in verdicts.items()} == dict.fromkeys(
        "12356", NOT_MEASURED
    )
    assert verdicts["6"].why == "missing: crossdomain_with"
    assert "scratch_30" in verdicts["2"].why


def test_unscored_seed_is_left_out_and_alignments_are_read(tmp_path: Path) -> None:
    exp = _exp(tmp_path, "sup", 10.0, 20.0)
    seeded = claims.load_role("supervised_100", [exp, tmp_path / "nope"], "test")
    assert seeded.seeds == 1 and len(seeded.utterances["cer"]) == 1
    per_utt = read_alignments(exp / "decode_x/test/score_cer/alignments.txt")
    assert len(per_utt) == UTTS and per_utt["utt0000"][1] == 50
    assert seeded.mean("cer") == pytest.approx(
        100 * sum(e for e, _ in per_utt.values()) / (50 * UTTS)
    )


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
    assert text.count("**holds**") == 5
    assert "supervised_100 (2 seeds): CER " in text
    assert "| crossdomain_with | test_new | 2/2 |" in text
    assert "95 % paired-bootstrap interval" in text


def test_spec_without_roles_is_an_error(tmp_path: Path) -> None:
    spec = tmp_path / "claims.yaml"
    spec.write_text("test_set: test\n")
    with pytest.raises(ValueError, match="roles"):
        claims_report.main(["--spec", str(spec), "--out", str(tmp_path / "o.md")])


def test_nst_roles_follow_the_nst_fraction(tmp_path: Path) -> None:
    table = {
        k.replace("_10", "_50") if k.startswith(("nst_", "control_")) else k: v
        for k, v in GOOD.items()
    }
    scores = _scores(tmp_path, table)
    default = {c.key: v.verdict for c, v in claims.judge_claims(scores)}
    at_50 = {c.key: v.verdict for c, v in claims.judge_claims(scores, nst_fraction=50)}
    assert default["1"] == default["3"] == default["5"] == NOT_MEASURED
    assert at_50 == dict.fromkeys("12356", HOLDS)


def test_spec_can_judge_a_subset_of_the_claims(tmp_path: Path) -> None:
    roles = {
        role: [
            str(_exp(tmp_path, f"{role}_s{i}", c, w)) for i, (c, w) in enumerate(seeds)
        ]
        for role, seeds in GOOD.items()
        if role.startswith(("scratch", "pretrained"))
    }
    spec = tmp_path / "claim2.yaml"
    spec.write_text(yaml.safe_dump({"test_set": "test", "roles": roles, "claims": [2]}))
    out = tmp_path / "claim2.md"
    claims_report.main(["--spec", str(spec), "--out", str(out)])
    text = out.read_text()
    assert text.count("**holds**") == 1
    assert "| 2 |" in text and "| 1 |" not in text and "| 3 |" not in text


def test_an_external_verdict_joins_the_table_in_order(tmp_path: Path) -> None:
    scores = _scores(tmp_path, GOOD)
    verdict = tmp_path / "noss.claim4.json"
    verdict.write_text(
        json.dumps(
            {
                "verdict": INCONCLUSIVE,
                "why": "holds on 1 of 5 tasks",
                "numbers": "5 tasks",
            }
        )
    )
    text = claims.claims_section(
        scores, external={4: verdict, 7: tmp_path / "none.json"}
    )
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    keys = [r.split("|")[1].strip() for r in rows[1 : 1 + 7]]
    assert keys[:7] == ["1", "2", "3", "4", "5", "6", "7"]
    assert "| **inconclusive** | holds on 1 of 5 tasks |" in text
    assert f"missing: {tmp_path / 'none.json'}" in text
    verdict.write_text("{}")
    with pytest.raises(ValueError, match="expected verdict, why, numbers"):
        claims.claims_section(scores, external={4: verdict})


def test_a_claim_judged_again_on_another_test_set_gets_its_own_row(
    tmp_path: Path,
) -> None:
    """Claim 3 inside the spread on the main test set, beyond it on held-out voices: two rows, each
    with its own verdict and numbers, the second after the first."""
    flat = {"nst_gen0_10": (20.0, 40.0), "control_gen1_10": (20.0, 40.0)}
    flat |= {"nst_gen1_10": (19.8, 40.0), "control_gen2_10": (19.8, 40.0)}
    flat["nst_gen2_10"] = (19.7, 40.0)
    held_out = {k: GOOD[k][0] for k in flat}
    roles = {}
    for role in flat:
        exps = []
        for seed in range(2):
            name = f"{role}_s{seed}"
            _exp(tmp_path, name, *flat[role], test_set="test")
            c, w = held_out[role]
            exps.append(str(_exp(tmp_path, name, c + 0.5 * seed, w, test_set="flite")))
        roles[role] = exps
    spec = tmp_path / "claims.yaml"
    spec.write_text(
        yaml.safe_dump(
            {"test_set": "test", "roles": roles, "claims": [3], "also_on": {3: "flite"}}
        )
    )
    out = tmp_path / "claims.md"
    claims_report.main(["--spec", str(spec), "--out", str(out)])
    rows = [r for r in out.read_text().splitlines() if r.startswith(("| 3 ", "| 3 ("))]
    assert [r.split("|")[1].strip() for r in rows] == ["3", "3 (flite)"]
    assert f"**{HOLDS}**" not in rows[0] and f"**{HOLDS}**" in rows[1]
    assert "on flite" in rows[1] and "nst_gen2_10 (2 seeds): CER 9." in rows[1]

    spec.write_text(
        yaml.safe_dump({"test_set": "test", "roles": roles, "also_on": {9: "flite"}})
    )
    with pytest.raises(ValueError, match="no claim 9"):
        claims_report.main(["--spec", str(spec), "--out", str(out)])


def test_a_comparison_of_the_spec_is_judged_as_the_claims_are(tmp_path: Path) -> None:
    """A study's own row (a variant vs a baseline student): holds beyond the spread, inconclusive
    inside it, does not hold when shown the other way; a malformed entry is an error naming its key.
    """
    table = {
        "baseline": [(20.0, 40.0), (20.5, 41.0)],
        "variant": [(15.0, 32.0), (15.5, 33.0)],
        "variant_flat": [(19.9, 40.0), (20.4, 41.0)],
        "variant_worse": [(25.0, 48.0), (25.5, 49.0)],
    }
    roles = {
        role: [
            str(_exp(tmp_path, f"{role}_s{i}", c, w)) for i, (c, w) in enumerate(seeds)
        ]
        for role, seeds in table.items()
    }
    comparisons = {
        name: {
            "text": f"{name} beats the baseline",
            "better": name,
            "than": ["baseline"],
        }
        for name in ("variant", "variant_flat", "variant_worse")
    }
    spec = tmp_path / "variants.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "test_set": "test",
                "roles": roles,
                "claims": [],
                "comparisons": comparisons,
            }
        )
    )
    out = tmp_path / "variants.md"
    claims_report.main(["--spec", str(spec), "--out", str(out)])
    verdict_table = out.read_text().split("Systems:")[0]
    rows = {
        r.split("|")[1].strip(): r
        for r in verdict_table.splitlines()
        if r.startswith("| variant")
    }
    assert set(rows) == {"variant", "variant_flat", "variant_worse"}
    assert f"**{HOLDS}**" in rows["variant"]
    assert f"**{INCONCLUSIVE}**" in rows["variant_flat"]
    assert f"**{FAILS}**" in rows["variant_worse"]
    assert "CER baseline - variant +" in rows["variant"]
    assert not any(r.startswith("| 1 |") for r in out.read_text().splitlines())

    comparisons["variant"] = {"text": "no roles"}
    spec.write_text(
        yaml.safe_dump({"test_set": "test", "roles": roles, "comparisons": comparisons})
    )
    with pytest.raises(ValueError, match="comparison variant: needs"):
        claims_report.main(["--spec", str(spec), "--out", str(out)])
