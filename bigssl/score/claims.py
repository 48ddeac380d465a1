"""BigSSL's claims at mini scale: verdicts computed from scored experiments, never written by hand.

Each system has a role name (``supervised_100``, ``scratch_3``, ``pretrained_3``, ``nst_gen1_10``,
``control_gen1_10``, ``crossdomain_with``, ...) mapping to its experiment dirs, one per training
seed, scored on one test set. Roles that are compared are paired by seed: the spec lists each
role's seeds in the same order.

A verdict reads the spread, not only the means. Every comparison is a *contrast* (e.g. the error of
the teacher minus the error of the student) computed per seed and, with a paired bootstrap over the
test utterances (the same resample for every system and seed), as a 95 % interval of its mean over
seeds. An effect is *shown* when it has the claimed sign on every seed and its interval excludes
zero; a claim "holds" only when every effect it needs is shown, "does not hold" when one is shown
the other way, and is "inconclusive" otherwise (including any system with fewer than
``MIN_SEEDS`` scored seeds). Verdicts are judged on CER (the primary unit on these corpora); the
WER contrast is reported beside it, and a claim whose WER effect is shown the other way is
inconclusive. "not measured": a system the claim needs has no scored run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import yaml

from bigssl.io_utils import PathLike, write_text_atomic
from bigssl.score.markdown import fmt, md_table
from bigssl.score.results import find_result, load_error_rate
from bigssl.score.significance import Interval, paired_bootstrap
from bigssl.score.wer import read_alignments

HOLDS, FAILS, INCONCLUSIVE, NOT_MEASURED = (
    "holds",
    "does not hold",
    "inconclusive",
    "not measured",
)
UNITS = ("cer", "wer")
PRIMARY_UNIT = "cer"
MIN_SEEDS = 2  # a system judged with fewer scored seeds makes its claim inconclusive
MAX_RATIO = (
    1.15  # claim 1: P+NST with 10 % labels within this factor of 100 % supervised
)
FRACTIONS = (3, 10, 30)  # claim 2: labeled fractions, in percent
SHOWN, SHOWN_AGAINST, UNCLEAR = "shown", "shown against", "unclear"


@dataclass
class SeedErrors:
    """One seed's per-utterance errors and reference lengths, in sorted utterance order."""

    utts: Tuple[str, ...]
    errors: np.ndarray
    ref_len: np.ndarray

    def rate(self, idx: np.ndarray) -> np.ndarray:
        """Error rate (%) on each resample of utterance indices ``idx`` (R, n)."""
        return (
            100.0 * self.errors[idx].sum(-1) / np.maximum(self.ref_len[idx].sum(-1), 1)
        )


@dataclass
class RoleScores:
    """One role's experiments and their scores on its test set (only scored seeds count)."""

    role: str
    test_set: str
    exp_dirs: List[Path]
    values: Dict[str, List[float]] = field(default_factory=dict)
    utterances: Dict[str, List[Optional[SeedErrors]]] = field(default_factory=dict)

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


Scores = Mapping[str, RoleScores]


@dataclass(frozen=True)
class Evidence:
    """A contrast (positive = the claimed direction) per seed and its bootstrap interval."""

    name: str
    per_seed: Tuple[float, ...]
    interval: Optional[Interval]  # None: no per-utterance scores to resample
    problem: str = ""  # why it cannot be shown (too few seeds, no alignments)

    @property
    def status(self) -> str:
        if self.problem or self.interval is None or not self.per_seed:
            return UNCLEAR
        if all(v > 0 for v in self.per_seed) and self.interval.low > 0:
            return SHOWN
        if all(v < 0 for v in self.per_seed) and self.interval.high < 0:
            return SHOWN_AGAINST
        return UNCLEAR

    def __str__(self) -> str:
        seeds = ", ".join(f"{v:+.2f}" for v in self.per_seed)
        body = (
            str(self.interval)
            if self.interval
            else f"{np.mean(self.per_seed):+.2f}" if self.per_seed else "–"
        )
        note = f"; {self.problem}" if self.problem else ""
        return f"{self.name} {body}, per seed [{seeds}]: {self.status}{note}"


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
    judge: Callable[..., Verdict]


def _missing(scores: Scores, roles: Sequence[str]) -> Optional[Verdict]:
    absent = [r for r in roles if r not in scores or not scores[r].seeds]
    if absent:
        return Verdict(NOT_MEASURED, "missing: " + ", ".join(absent), tuple(roles))
    return None


def contrast(
    scores: Scores,
    roles: Sequence[str],
    unit: str,
    value: Callable[..., np.ndarray],
    name: str,
) -> Evidence:
    """``value(rate_1, ..., rate_k)`` of the roles' error rates, per seed and bootstrapped.

    Seeds are paired by position; the statistic is the mean over paired seeds. The bootstrap needs
    every paired seed's per-utterance scores on the same utterances (else the interval is None).
    """
    count = min(len(scores[r].values.get(unit, [])) for r in roles)
    per_seed = tuple(
        float(value(*(np.asarray(scores[r].values[unit][s]) for r in roles)))
        for s in range(count)
    )
    problems = []
    if count < MIN_SEEDS:
        problems.append(f"{count} paired seed(s), {MIN_SEEDS} needed")
    seeds = [
        [scores[r].utterances.get(unit, [None] * count)[s] for r in roles]
        for s in range(count)
    ]
    interval = None
    if all(e is not None for row in seeds for e in row) and count:
        utts = {e.utts for row in seeds for e in row}  # type: ignore[union-attr]
        if len(utts) != 1:
            raise ValueError(
                f"{name}: the systems were scored on different utterances "
                f"({', '.join(r + '@' + scores[r].test_set for r in roles)})"
            )
        num_items = len(next(iter(utts)))

        def statistic(idx: np.ndarray) -> np.ndarray:
            return np.mean(
                [value(*(e.rate(idx) for e in row)) for row in seeds], axis=0  # type: ignore[union-attr]
            )

        interval = paired_bootstrap(statistic, num_items)
    else:
        problems.append("no per-utterance scores (alignments.txt) to resample")
    return Evidence(name, per_seed, interval, "; ".join(problems))


def reduction(scores: Scores, baseline: str, system: str, unit: str) -> Evidence:
    """Error of ``baseline`` minus error of ``system`` (points): positive when ``system`` is better."""
    return contrast(
        scores,
        (baseline, system),
        unit,
        lambda base, sys: base - sys,
        f"{unit.upper()} {baseline} - {system}",
    )


def _relative_gain(scratch: np.ndarray, pretrained: np.ndarray) -> np.ndarray:
    return 100.0 * (scratch - pretrained) / np.maximum(scratch, 1e-9)


def _combine(needed: Sequence[Evidence], wer: Sequence[Evidence]) -> Tuple[str, str]:
    """(verdict, why) from the CER evidence every claim needs and the matching WER evidence."""
    statuses = [e.status for e in needed]
    why = "; ".join(str(e) for e in needed)
    if wer:
        why += " | WER: " + "; ".join(str(e) for e in wer)
    if SHOWN_AGAINST in statuses:
        return FAILS, why
    if all(s == SHOWN for s in statuses):
        if any(e.status == SHOWN_AGAINST for e in wer):
            return INCONCLUSIVE, why + " (CER and WER disagree)"
        return HOLDS, why
    return INCONCLUSIVE, why


def _generations(scores: Scores, fraction: int) -> List[int]:
    found = (re.fullmatch(rf"nst_gen(\d+)_{fraction}", r) for r in scores)
    return sorted(int(m.group(1)) for m in found if m)


def control_role(scores: Scores, generation: int, fraction: int) -> str:
    """The same-steps control of generation k: ``control_gen<k>_<fraction>`` (generation 1 also
    accepts the older name ``control_teacher_more_steps_<fraction>``)."""
    name = f"control_gen{generation}_{fraction}"
    legacy = f"control_teacher_more_steps_{fraction}"
    if name not in scores and generation == 1 and legacy in scores:
        return legacy
    return name


def judge_label_efficiency(scores: Scores, nst_fraction: int = 10) -> Verdict:
    """Claim 1: error(last NST generation) / error(supervised_100) <= MAX_RATIO, beyond the spread."""
    gens = [g for g in _generations(scores, nst_fraction) if g >= 1]
    student = (
        f"nst_gen{gens[-1]}_{nst_fraction}"
        if gens
        else f"nst_gen<k>_{nst_fraction} (k >= 1)"
    )
    roles = (student, "supervised_100")
    missing = _missing(scores, roles)
    if missing:
        return missing
    margin = {
        unit: contrast(
            scores,
            roles,
            unit,
            lambda s, sup: MAX_RATIO - s / np.maximum(sup, 1e-9),
            f"{unit.upper()} {MAX_RATIO} - ratio",
        )
        for unit in UNITS
    }
    ratios = {u: scores[student].mean(u) / max(scores["supervised_100"].mean(u), 1e-9) for u in UNITS}  # type: ignore[operator]
    verdict, why = _combine([margin["cer"]], [margin["wer"]])
    head = ", ".join(f"{u.upper()} ratio of means {ratios[u]:.2f}" for u in UNITS)
    return Verdict(verdict, f"{head}; {why}", roles)


def judge_pretraining_gain(
    scores: Scores, fractions: Sequence[int] = FRACTIONS
) -> Verdict:
    """Claim 2: pretrained beats scratch at the smallest fraction, and the relative gain there is
    larger than at the largest fraction (both beyond the spread)."""
    fractions = sorted(fractions)
    roles = tuple(
        f"{kind}_{f}" for f in fractions for kind in ("scratch", "pretrained")
    )
    missing = _missing(scores, roles)
    if missing:
        return missing
    small, large = fractions[0], fractions[-1]

    def evidence(unit: str) -> List[Evidence]:
        gain = contrast(
            scores,
            (f"scratch_{small}", f"pretrained_{small}"),
            unit,
            _relative_gain,
            f"{unit.upper()} relative gain at {small} % (%)",
        )
        shrink = contrast(
            scores,
            (
                f"scratch_{small}",
                f"pretrained_{small}",
                f"scratch_{large}",
                f"pretrained_{large}",
            ),
            unit,
            lambda s1, p1, s2, p2: _relative_gain(s1, p1) - _relative_gain(s2, p2),
            f"{unit.upper()} gain at {small} % - gain at {large} % (points)",
        )
        return [gain, shrink]

    gains = ", ".join(f"{f} %: {_mean_gain(scores, f):+.1f}%" for f in fractions)
    verdict, why = _combine(evidence("cer"), evidence("wer"))
    return Verdict(verdict, f"CER relative gain of means {gains}; {why}", roles)


def _mean_gain(scores: Scores, fraction: int) -> float:
    scratch = scores[f"scratch_{fraction}"].mean("cer") or 0.0
    pretrained = scores[f"pretrained_{fraction}"].mean("cer") or 0.0
    return float(_relative_gain(np.asarray(scratch), np.asarray(pretrained)))


def judge_generations(scores: Scores, nst_fraction: int = 10) -> Verdict:
    """Claim 3: every generation k >= 1 beats generation k - 1 *and* its same-steps control.

    A generation whose systems are all scored is judged even when a later one is missing: a
    contrast shown the other way already refutes the claim ("does not hold"); otherwise a missing
    system leaves it "not measured".
    """
    gens = sorted(set(_generations(scores, nst_fraction)) | {0, 1})
    roles: List[str] = []
    for g in gens:
        roles.append(f"nst_gen{g}_{nst_fraction}")
        if g >= 1:
            roles.append(control_role(scores, g, nst_fraction))
    needed = {unit: [] for unit in UNITS}  # type: Dict[str, List[Evidence]]
    for prev, cur in zip(gens, gens[1:]):
        student = f"nst_gen{cur}_{nst_fraction}"
        baselines = (
            f"nst_gen{prev}_{nst_fraction}",
            control_role(scores, cur, nst_fraction),
        )
        for baseline in baselines:
            if _missing(scores, (baseline, student)):
                continue
            for unit in UNITS:
                needed[unit].append(reduction(scores, baseline, student, unit))
    missing = _missing(scores, roles)
    verdict, why = _combine(needed["cer"], needed["wer"]) if needed["cer"] else ("", "")
    if missing and verdict != FAILS:
        return missing
    if missing:
        why = f"{why} ({missing.why})"
    return Verdict(verdict, why, tuple(roles))


def judge_bigger_student(scores: Scores, nst_fraction: int = 10) -> Verdict:
    """Claim 5: a student bigger than its teacher beats a same-size student (same data and steps)
    and the same-steps control of generation 1."""
    control = control_role(scores, 1, nst_fraction)
    roles = ("student_same_size", "student_bigger", control)
    missing = _missing(scores, roles)
    if missing:
        return missing
    needed = {
        unit: [
            reduction(scores, "student_same_size", "student_bigger", unit),
            reduction(scores, control, "student_bigger", unit),
        ]
        for unit in UNITS
    }
    verdict, why = _combine(needed["cer"], needed["wer"])
    return Verdict(verdict, why, roles)


def judge_new_domain(scores: Scores) -> Verdict:
    """Claim 6: ``crossdomain_with`` has lower error than ``crossdomain_without`` on the new domain."""
    roles = ("crossdomain_without", "crossdomain_with")
    missing = _missing(scores, roles)
    if missing:
        return missing
    verdict, why = _combine(
        [reduction(scores, *roles, "cer")],
        [reduction(scores, *roles, "wer")],
    )
    return Verdict(verdict, why, roles)


def judge_comparison(scores: Scores, better: str, than: Sequence[str]) -> Verdict:
    """A comparison of the spec (not one of the paper's claims): ``better`` has lower error than every
    role of ``than``, each contrast shown beyond the spread as a claim's are."""
    roles = (*than, better)
    missing = _missing(scores, roles)
    if missing:
        return missing
    needed = {
        unit: [reduction(scores, baseline, better, unit) for baseline in than]
        for unit in UNITS
    }
    verdict, why = _combine(needed["cer"], needed["wer"])
    return Verdict(verdict, why, roles)


def _comparison_roles(key: str, entry: object) -> Tuple[str, str, List[str]]:
    """``(text, better, than)`` of a spec comparison; a ValueError names what is wrong."""
    if not isinstance(entry, Mapping):
        raise ValueError(
            f"comparison {key}: expected text, better and than, got {entry!r}"
        )
    text, better, than = entry.get("text"), entry.get("better"), entry.get("than")
    if isinstance(than, str):
        than = [than]
    if not text or not isinstance(better, str) or not than:
        raise ValueError(
            f"comparison {key}: needs 'text', 'better' (a role) and 'than' (roles), got {dict(entry)}"
        )
    return str(text), better, [str(r) for r in than]


CLAIMS: Tuple[Claim, ...] = (
    Claim(
        "1",
        f"P+NST with 10 % of the labels is within {MAX_RATIO}x of supervised training with 100 % "
        "(error ratio)",
        judge_label_efficiency,
    ),
    Claim(
        "2",
        "Pretraining helps more the fewer the labels: it beats from-scratch at the smallest "
        "fraction, by a larger relative margin than at the largest",
        judge_pretraining_gain,
    ),
    Claim(
        "3",
        "Each NST generation beats the previous one and the same-steps control (the previous "
        "model trained on as long without pseudo-labels)",
        judge_generations,
    ),
    Claim(
        "5",
        "A student bigger than its teacher beats a same-size student (same data and steps) and "
        "the same-steps control",
        judge_bigger_student,
    ),
    Claim(
        "6",
        "Unlabeled audio of a new domain cuts error on that domain without its labels "
        "(vs the same recipe without it)",
        judge_new_domain,
    ),
)


def judge_claims(
    scores: Scores, fractions: Sequence[int] = FRACTIONS, nst_fraction: int = 10
) -> List[Tuple[Claim, Verdict]]:
    """Every claim's verdict; claim 2 uses ``fractions``, claims 1, 3 and 5 ``nst_fraction``."""
    return [(c, judge_claim(c, scores, fractions, nst_fraction)) for c in CLAIMS]


def judge_claim(
    claim: Claim,
    scores: Scores,
    fractions: Sequence[int] = FRACTIONS,
    nst_fraction: int = 10,
) -> Verdict:
    """One claim's verdict (claim 2 reads ``fractions``, claims 1, 3 and 5 ``nst_fraction``)."""
    if claim.judge is judge_pretraining_gain:
        return judge_pretraining_gain(scores, fractions)
    if claim.judge is judge_new_domain:
        return judge_new_domain(scores)
    return claim.judge(scores, nst_fraction)


def rescore_on(scores: Scores, test_set: str) -> Scores:
    """The same roles and experiments, scored on another test set."""
    return {role: load_role(role, s.exp_dirs, test_set) for role, s in scores.items()}


def _seed_errors(exp: Path, test_set: str, unit: str) -> Optional[SeedErrors]:
    alignments = find_result(exp, test_set, unit).parent / "alignments.txt"
    if not alignments.is_file():
        return None
    per_utt = read_alignments(alignments)
    utts = tuple(sorted(per_utt))
    return SeedErrors(
        utts,
        np.array([per_utt[u][0] for u in utts], dtype=float),
        np.array([per_utt[u][1] for u in utts], dtype=float),
    )


def load_role(role: str, exp_dirs: Sequence[PathLike], test_set: str) -> RoleScores:
    """Scores of every seed of ``role``; a seed without a scored decoding is left out."""
    scores = RoleScores(role, test_set, [Path(e) for e in exp_dirs])
    for exp in scores.exp_dirs:
        try:
            row = {u: load_error_rate(exp, test_set, u) for u in UNITS}
            per_utt = {u: _seed_errors(exp, test_set, u) for u in UNITS}
        except (FileNotFoundError, ValueError):
            continue
        for unit, err in row.items():
            scores.values.setdefault(unit, []).append(err)
            scores.utterances.setdefault(unit, []).append(per_utt[unit])
    return scores


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _numbers(scores: Scores, roles: Sequence[str]) -> str:
    parts = []
    for role in roles:
        s = scores.get(role)
        if s is None or not s.seeds:
            parts.append(f"{role}: –")
        else:
            parts.append(
                f"{role} ({s.seeds} seeds): CER {s.describe('cer')}, WER {s.describe('wer')}"
            )
    return "<br>".join(parts)


RULES = (
    "Verdicts are computed from the scores below (a number is the mean over a system's scored "
    "seeds, [min, max] over seeds). Each comparison is a contrast in the claimed direction, per "
    "seed (seeds paired) and as a 95 % paired-bootstrap interval over the test utterances of its "
    "mean over seeds. It is *shown* when it is positive on every seed and its interval is above 0. "
    f'A claim "{HOLDS}" when every contrast it needs is shown on CER (and WER is not shown the '
    f'other way), "{FAILS}" when one is shown the other way, "{INCONCLUSIVE}" otherwise, including '
    f'a system with fewer than {MIN_SEEDS} scored seeds; "{NOT_MEASURED}" when a system it needs '
    "has no scored run."
)


CLAIM4_TEXT = (
    "For non-semantic tasks an intermediate layer of the pretrained encoder beats the last one "
    "(linear probes on the frozen encoder, against the same gain of a random-weights encoder)"
)


def external_verdict(path: PathLike) -> Tuple[str, str, str]:
    """(verdict, why, numbers) of a claim judged elsewhere: a JSON file with those keys (e.g. the
    probe report's ``*.claim4.json``); a missing file is "not measured"."""
    path = Path(path)
    if not path.is_file():
        return NOT_MEASURED, f"missing: {path}", "–"
    data = json.loads(path.read_text())
    try:
        return str(data["verdict"]), str(data["why"]), str(data.get("numbers", ""))
    except KeyError as err:
        raise ValueError(f"{path}: no {err} (expected verdict, why, numbers)") from None


def _row_order(row: Tuple[str, ...]) -> Tuple[int, str]:
    number, _, rest = row[0].partition(" ")
    return int(number), rest


Judged = Tuple[str, str, str, str, str]  # key, claim text, numbers, verdict, why


def _judged_again(
    scores: Scores,
    verdicts: Sequence[Tuple[Claim, Verdict]],
    also_on: Mapping[str, str],
    fractions: Sequence[int],
    nst_fraction: int,
) -> List[Judged]:
    """Rows ``<n> (<test set>)``: claim n judged again on another test set, reading only the roles
    the claim read on the main one."""
    by_key = {c.key: (c, v) for c, v in verdicts}
    rows: List[Judged] = []
    for key, test_set in also_on.items():
        if str(key) not in by_key:
            raise ValueError(f"also_on: no claim {key} to judge again on {test_set}")
        claim, first = by_key[str(key)]
        read = {role: scores[role] for role in first.roles if role in scores}
        other = rescore_on(read, str(test_set))
        v = judge_claim(claim, other, fractions, nst_fraction)
        row_key, text = f"{claim.key} ({test_set})", f"{claim.text}, on {test_set}"
        rows.append((row_key, text, _numbers(other, v.roles), v.verdict, v.why))
    return rows


def _systems_table(scores: Scores) -> str:
    """Every scored role: its test set, seeds, CER/WER with their seed range, experiments."""
    return md_table(
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


def claims_section(
    scores: Scores,
    notes: Optional[Mapping[str, str]] = None,
    fractions: Sequence[int] = FRACTIONS,
    title: str = "BigSSL's claims at mini scale",
    nst_fraction: int = 10,
    only: Optional[Sequence[str]] = None,
    external: Optional[Mapping[str, PathLike]] = None,
    also_on: Optional[Mapping[str, str]] = None,
    comparisons: Optional[Mapping[str, object]] = None,
) -> str:
    """The markdown section: a row per claim (numbers, verdict, why), then the systems behind them.

    ``only``: the claim numbers to judge (default: all), for a study that measures some of them.
    ``external``: claim number -> a verdict file judged elsewhere (claim 4: the probe report's).
    ``also_on``: claim number -> another test set on which that claim is judged again, with the
    same experiments (a row ``<n> (<test set>)`` below the claim's own).
    ``comparisons``: key -> {text, better, than}: rows of the study's own, judged as the claims are
    (``better`` beats every role of ``than`` beyond the spread), after the claims.
    """
    notes = {str(k): v for k, v in (notes or {}).items()}
    verdicts = judge_claims(scores, fractions, nst_fraction)
    judged: List[Judged] = [
        (claim.key, claim.text, _numbers(scores, v.roles), v.verdict, v.why)
        for claim, v in verdicts
    ]
    judged += _judged_again(scores, verdicts, also_on or {}, fractions, nst_fraction)
    texts = {"4": CLAIM4_TEXT}
    for key, path in (external or {}).items():
        verdict, why, numbers = external_verdict(path)
        judged.append(
            (str(key), texts.get(str(key), f"claim {key}"), numbers, verdict, why)
        )
    if only is not None:
        judged = [j for j in judged if j[0].split()[0] in {str(k) for k in only}]
    judged.sort(key=_row_order)
    for key, entry in (
        comparisons or {}
    ).items():  # after the claims, in the spec's order
        text, better, than = _comparison_roles(str(key), entry)
        v = judge_comparison(scores, better, than)
        judged.append((str(key), text, _numbers(scores, v.roles), v.verdict, v.why))
    rows = []
    for key, text, numbers, verdict, why in judged:
        row = [key, _cell(text), numbers, f"**{verdict}**", _cell(why)]
        if notes:
            row.append(_cell(notes.get(key, "")))
        rows.append(row)
    header = ["#", "claim", "numbers (test %)", "verdict", "why"]
    if notes:
        header.append("levers tried")
    return (
        f"## {title}\n\n{RULES}\n\n"
        + md_table(header, rows)
        + "\n\nSystems:\n\n"
        + _systems_table(scores)
        + "\n"
    )


def load_spec(path: PathLike) -> Dict[str, object]:
    """Read the YAML spec: ``roles`` (role -> exp dirs, or {exps, test_set}), ``test_set``, ``notes``,
    ``fractions``, ``nst_fraction``, ``claims`` (the claim numbers to judge; default all),
    ``external`` (claim number -> a verdict JSON judged elsewhere, e.g. 4: the probe report's),
    ``also_on`` (claim number -> another test set the claim is also judged on), ``comparisons``
    (key -> {text, better, than}: the study's own rows, judged as the claims are).
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
        external=spec.get("external") or {},  # type: ignore[arg-type]
        also_on=spec.get("also_on") or {},  # type: ignore[arg-type]
        comparisons=spec.get("comparisons") or {},  # type: ignore[arg-type]
    )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, section)
    return section
