"""BigSSL's claims at mini scale: verdicts computed from scored experiments, never written by hand.

Each system has a role name (``supervised_100``, ``scratch_3``, ``pretrained_3``, ``nst_gen1_10``,
``crossdomain_with``, ...) mapping to one or more experiment dirs (seeds) scored on one test set.
A role's number is the mean over its scored seeds; pure functions judge each claim from a table
of means (``role -> {"cer": x, "wer": y}``) and return "holds", "does not hold", or "not measured"
when a system the claim needs is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from bigssl.io_utils import PathLike, write_text_atomic
from bigssl.score.markdown import fmt, md_table, relative_change
from bigssl.score.results import load_error_rate

HOLDS, FAILS, NOT_MEASURED = "holds", "does not hold", "not measured"
UNITS = ("cer", "wer")
MAX_RATIO = (
    1.15  # claim 1: P+NST with 10 % labels within this factor of 100 % supervised
)
FRACTIONS = (3, 10, 30)  # claim 2: labeled fractions, in percent
EPS = 1e-9  # means over seeds are compared with this tolerance (ties are ties)

Means = Mapping[str, Mapping[str, float]]


@dataclass
class RoleScores:
    """One role's experiments and their scores on its test set (only scored seeds count)."""

    role: str
    test_set: str
    exp_dirs: List[Path]
    values: Dict[str, List[float]] = field(default_factory=dict)

    @property
    def seeds(self) -> int:
        return min((len(self.values.get(u, [])) for u in UNITS), default=0)

    def mean(self, unit: str) -> Optional[float]:
        vals = self.values.get(unit, [])
        return sum(vals) / len(vals) if vals else None

    def describe(self, unit: str) -> str:
        """``12.3`` for one seed, ``12.3 [11.9, 12.7]`` (mean [min, max]) for several."""
        vals = self.values.get(unit, [])
        if len(vals) <= 1:
            return fmt(self.mean(unit), ".2f")
        return f"{self.mean(unit):.2f} [{min(vals):.2f}, {max(vals):.2f}]"


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict and the reason, computed from the numbers."""

    verdict: str
    why: str
    roles: Tuple[str, ...]  # the systems whose numbers back it


@dataclass(frozen=True)
class Claim:
    key: str
    text: str
    judge: Callable[[Means], Verdict]


def _lt(a: float, b: float) -> bool:
    return a < b - EPS


def _missing(means: Means, roles: Sequence[str]) -> Optional[Verdict]:
    absent = [r for r in roles if r not in means]
    if absent:
        return Verdict(NOT_MEASURED, "missing: " + ", ".join(absent), tuple(roles))
    return None


def _generations(means: Means, fraction: int = 10) -> List[int]:
    found = (re.fullmatch(rf"nst_gen(\d+)_{fraction}", r) for r in means)
    return sorted(int(m.group(1)) for m in found if m)


def judge_label_efficiency(means: Means, nst_fraction: int = 10) -> Verdict:
    """Claim 1: error(last NST generation >= 1) / error(supervised_100) <= MAX_RATIO, on CER and WER."""
    gens = [g for g in _generations(means, nst_fraction) if g >= 1]
    student = (
        f"nst_gen{gens[-1]}_{nst_fraction}"
        if gens
        else f"nst_gen<k>_{nst_fraction} (k >= 1)"
    )
    roles = (student, "supervised_100")
    missing = _missing(means, roles)
    if missing:
        return missing
    parts, ok = [], True
    for unit in UNITS:
        ratio = means[student][unit] / max(means["supervised_100"][unit], EPS)
        good = ratio <= MAX_RATIO + EPS
        ok &= good
        parts.append(
            f"{unit.upper()} ratio {ratio:.2f} {'<=' if good else '>'} {MAX_RATIO}"
        )
    return Verdict(HOLDS if ok else FAILS, "; ".join(parts), roles)


def relative_reduction(scratch: float, pretrained: float) -> float:
    """Relative error reduction of pretrained vs from-scratch, in percent."""
    return 100.0 * (scratch - pretrained) / max(scratch, EPS)


def judge_pretraining_gain(
    means: Means, fractions: Sequence[int] = FRACTIONS, unit: str = "cer"
) -> Verdict:
    """Claim 2: the reduction (judged on ``unit``) is > 0 at the smallest fraction and non-increasing."""
    fractions = sorted(fractions)
    roles = tuple(
        f"{kind}_{f}" for f in fractions for kind in ("scratch", "pretrained")
    )
    missing = _missing(means, roles)
    if missing:
        return missing
    gains = [
        relative_reduction(means[f"scratch_{f}"][unit], means[f"pretrained_{f}"][unit])
        for f in fractions
    ]
    listing = ", ".join(f"{f} %: {g:+.1f}%" for f, g in zip(fractions, gains))
    if gains[0] <= EPS:
        return Verdict(
            FAILS,
            f"{unit.upper()} reduction {listing}: not positive at {fractions[0]} %",
            roles,
        )
    rises = [
        f"{a} % -> {b} %"
        for (a, ga), (b, gb) in zip(
            zip(fractions, gains), zip(fractions[1:], gains[1:])
        )
        if gb > ga + EPS
    ]
    if rises:
        return Verdict(
            FAILS,
            f"{unit.upper()} reduction {listing}: grows from " + ", ".join(rises),
            roles,
        )
    return Verdict(
        HOLDS,
        f"{unit.upper()} reduction {listing}: positive at {fractions[0]} %, never grows",
        roles,
    )


def judge_generations(means: Means, nst_fraction: int = 10) -> Verdict:
    """Claim 3: every generation k >= 1 has lower CER and WER than generation k - 1."""
    gens = sorted(set(_generations(means, nst_fraction)) | {0, 1, 2})
    roles = tuple(f"nst_gen{g}_{nst_fraction}" for g in gens)
    missing = _missing(means, roles)
    if missing:
        return missing
    failures, passes = [], []
    for (prev_g, prev), (cur_g, cur) in zip(zip(gens, roles), zip(gens[1:], roles[1:])):
        for unit in UNITS:
            a, b = means[cur][unit], means[prev][unit]
            label = f"gen{cur_g} vs gen{prev_g} {unit.upper()} {b:.2f} -> {a:.2f}"
            (passes if _lt(a, b) else failures).append(label)
    if failures:
        return Verdict(FAILS, "not lower: " + "; ".join(failures), roles)
    return Verdict(HOLDS, "every generation lower: " + "; ".join(passes), roles)


def judge_new_domain(means: Means) -> Verdict:
    """Claim 6: ``crossdomain_with`` has lower CER and WER than ``crossdomain_without``."""
    roles = ("crossdomain_without", "crossdomain_with")
    missing = _missing(means, roles)
    if missing:
        return missing
    parts, ok = [], True
    for unit in UNITS:
        without, with_ = means[roles[0]][unit], means[roles[1]][unit]
        good = _lt(with_, without)
        ok &= good
        parts.append(
            f"{unit.upper()} {without:.2f} -> {with_:.2f} "
            f"({relative_change(with_, without)}{'' if good else ', not lower'})"
        )
    return Verdict(HOLDS if ok else FAILS, "; ".join(parts), roles)


CLAIMS: Tuple[Claim, ...] = (
    Claim(
        "1",
        f"P+NST with 10 % of the labels is within {MAX_RATIO}x of supervised training with 100 % "
        "(error ratio, CER and WER)",
        judge_label_efficiency,
    ),
    Claim(
        "2",
        "Pretraining helps more the fewer the labels: the relative error reduction vs from-scratch "
        "is positive at the smallest fraction and does not grow with the fraction (judged on CER)",
        judge_pretraining_gain,
    ),
    Claim(
        "3",
        "Each NST generation beats the previous one (test CER and WER)",
        judge_generations,
    ),
    Claim(
        "6",
        "Unlabeled audio of a new domain cuts error on that domain without its labels "
        "(CER and WER vs the same recipe without it)",
        judge_new_domain,
    ),
)


def judge_claims(
    means: Means, fractions: Sequence[int] = FRACTIONS, nst_fraction: int = 10
) -> List[Tuple[Claim, Verdict]]:
    """Every claim's verdict; claim 2 uses ``fractions`` and its reason adds the WER reductions;
    claims 1 and 3 read the NST roles of ``nst_fraction`` (``nst_gen<k>_<nst_fraction>``).
    """
    out = []
    for claim in CLAIMS:
        if claim.judge is judge_pretraining_gain:
            verdict = judge_pretraining_gain(means, fractions)
            if verdict.verdict != NOT_MEASURED:
                wer = judge_pretraining_gain(means, fractions, "wer")
                verdict = Verdict(
                    verdict.verdict,
                    f"{verdict.why}; {wer.why} ({wer.verdict} on WER)",
                    verdict.roles,
                )
        elif claim.judge in (judge_label_efficiency, judge_generations):
            verdict = claim.judge(means, nst_fraction)
        else:
            verdict = claim.judge(means)
        out.append((claim, verdict))
    return out


def load_role(role: str, exp_dirs: Sequence[PathLike], test_set: str) -> RoleScores:
    """Scores of every seed of ``role``; a seed without a scored decoding is left out."""
    scores = RoleScores(role, test_set, [Path(e) for e in exp_dirs])
    for exp in scores.exp_dirs:
        try:
            row = {u: load_error_rate(exp, test_set, u) for u in UNITS}
        except (FileNotFoundError, ValueError):
            continue
        for unit, err in row.items():
            scores.values.setdefault(unit, []).append(err)
    return scores


def means_table(scores: Mapping[str, RoleScores]) -> Dict[str, Dict[str, float]]:
    """role -> unit -> mean over seeds, for the roles with at least one scored seed."""
    return {
        role: {u: s.mean(u) for u in UNITS}  # type: ignore[misc]
        for role, s in scores.items()
        if s.seeds
    }


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _numbers(scores: Mapping[str, RoleScores], roles: Sequence[str]) -> str:
    parts = []
    for role in roles:
        s = scores.get(role)
        if s is None or not s.seeds:
            parts.append(f"{role}: –")
        else:
            parts.append(f"{role}: CER {s.describe('cer')}, WER {s.describe('wer')}")
    return "<br>".join(parts)


def claims_section(
    scores: Mapping[str, RoleScores],
    notes: Optional[Mapping[str, str]] = None,
    fractions: Sequence[int] = FRACTIONS,
    title: str = "BigSSL's claims at mini scale",
    nst_fraction: int = 10,
    only: Optional[Sequence[str]] = None,
) -> str:
    """The markdown section: a row per claim (numbers, verdict, why), then the systems behind them.

    ``only``: the claim numbers to judge (default: all), for a study that measures some of them.
    """
    means = means_table(scores)
    notes = {str(k): v for k, v in (notes or {}).items()}
    rows = []
    for claim, verdict in judge_claims(means, fractions, nst_fraction):
        if only is not None and claim.key not in {str(k) for k in only}:
            continue
        row = [
            claim.key,
            _cell(claim.text),
            _numbers(scores, verdict.roles),
            f"**{verdict.verdict}**",
            _cell(verdict.why),
        ]
        if notes:
            row.append(_cell(notes.get(claim.key, "")))
        rows.append(row)
    header = ["#", "claim", "numbers (test %)", "verdict", "why"]
    if notes:
        header.append("levers tried")
    systems = md_table(
        ["role", "test set", "seeds scored", "CER", "WER", "experiments"],
        (
            [
                role,
                s.test_set,
                f"{s.seeds}/{len(s.exp_dirs)}",
                s.describe("cer"),
                s.describe("wer"),
                "<br>".join(f"`{e}`" for e in s.exp_dirs),
            ]
            for role, s in sorted(scores.items())
        ),
    )
    return (
        f"## {title}\n\n"
        "Verdicts are computed from the scores below: a number is the mean over a system's "
        "scored seeds, with [min, max] over seeds where there are several; a claim is "
        f'"{NOT_MEASURED}" when a system it needs has no scored run.\n\n'
        + md_table(header, rows)
        + "\n\nSystems:\n\n"
        + systems
        + "\n"
    )


def load_spec(path: PathLike) -> Dict[str, object]:
    """Read the YAML spec: ``roles`` (role -> exp dirs, or {exps, test_set}), ``test_set``, ``notes``,
    ``fractions``, ``nst_fraction``, ``claims`` (the claim numbers to judge; default all).
    """
    spec = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(spec.get("roles"), dict):
        raise ValueError(
            f"{path}: expected a 'roles' mapping (role -> experiment dirs)"
        )
    return spec


def roles_from_spec(spec: Mapping[str, object]) -> Dict[str, RoleScores]:
    """Load every role of a spec; a role's ``test_set`` defaults to the spec's ``test_set``."""
    default_test = spec.get("test_set")
    scores = {}
    for role, entry in spec["roles"].items():  # type: ignore[union-attr]
        if isinstance(entry, dict):
            exps, test_set = entry.get("exps", []), entry.get("test_set", default_test)
        else:
            exps, test_set = entry, default_test
        if isinstance(exps, str):
            exps = [exps]
        if not test_set:
            raise ValueError(
                f"role {role}: no test_set (set it per role or at the top)"
            )
        scores[str(role)] = load_role(str(role), exps, str(test_set))
    return scores


def write_claims_report(spec_path: PathLike, out: PathLike) -> str:
    """Read the spec, score every role, write the section to ``out``; returns the section."""
    spec = load_spec(spec_path)
    section = claims_section(
        roles_from_spec(spec),
        notes=spec.get("notes") or {},  # type: ignore[arg-type]
        fractions=spec.get("fractions") or FRACTIONS,  # type: ignore[arg-type]
        title=str(spec.get("title") or "BigSSL's claims at mini scale"),
        nst_fraction=int(spec.get("nst_fraction") or 10),  # type: ignore[call-overload]
        only=spec.get("claims"),  # type: ignore[arg-type]
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, section)
    return section
