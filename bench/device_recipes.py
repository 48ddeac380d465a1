"""Every recipe's tiny test fixture through all its stages, one stage range at a time, pass/fail per stage.

Run by ``bench/device_recipes.sh`` (which installs carried wheels and sets the paths); from the
repository root: ``python bench/device_recipes.py [--ngpu 1] [--recipes mini,noss] [--jobs 6]``.

Each recipe's corpus is written by its test fixture's builder (``tests/recipes/*_fixture.py``; the
mini recipe synthesizes its own in stage 10), the recipe is made by TEMPLATE's ``setup.sh`` in a work
dir, and ``./run.sh`` runs with the tests' tiny configs, one stage range per row: data (10-20),
pretrain (44-46), finetune (30-50), lm (55), decode (60-70), nst (75), pack (80-90); NOSS: data
(10-20), probe (30), results (80). With ``--ngpu 1`` the ASR recipes add ``--ngpu 1 --gpu_inference
true``. A failed (or timed-out) stage keeps the last lines of its log, the recipe's later stages are
skipped, and the next recipe runs. The rows go to a JSON file and a printed table; the exit status
is 1 when a stage failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

Stage = Tuple[str, int, int]  # name, first and last pipeline stage
ASR_STAGES: Tuple[Stage, ...] = (
    ("data", 10, 20),
    ("pretrain", 44, 46),
    ("finetune", 30, 50),
    ("lm", 55, 55),
    ("decode", 60, 70),
    ("nst", 75, 75),
    ("pack", 80, 90),
)
NOSS_STAGES: Tuple[Stage, ...] = (
    ("data", 10, 20),
    ("probe", 30, 30),
    ("results", 80, 80),
)
RECIPES = ("mini", "librispeech", "chime6", "speechstew", "voicesearch", "noss")
TAIL_LINES = 30
# shared tiny pieces: an LM (mini's config, a few steps) and NST options (one short generation)
LM_OPTS = [
    "--lm_config", str(REPO / "egs/mini/asr1/conf/train_lm.yaml"),
    "--lm_args", "--max_epoch 1 --num_iters_per_epoch 4 --batch_size 16 --keep_nbest_models 1",
]  # fmt: skip
NST_ARGS = [
    "--nst_stop_iter", "1",
    "--nst_nj", "1",
    "--nst_student_args", "--max_epoch 1 --num_iters_per_epoch 3 --batch_size 4 --keep_nbest_models 1",
    "--nst_filter_args", "--min_tokens_per_sec 0 --max_tokens_per_sec 1000",
]  # fmt: skip
VS_STUDENT = str(REPO / "egs/voicesearch/asr1/conf/train_student_mini_ctc.yaml")


@dataclass
class Plan:
    """How one recipe runs: its source dir under egs/, stages and ``./run.sh`` options."""

    recipe: str
    source: str
    stages: Sequence[Stage]
    options: List[str]
    gpu_options: bool = True  # the ASR pipeline's --ngpu/--gpu_inference apply
    before: Dict[str, Callable[[Path], None]] = field(default_factory=dict)


@dataclass
class Row:
    """One recipe x stage: status is passed, failed, timeout or skipped."""

    recipe: str
    stage: str
    status: str
    seconds: float
    stages: str = ""
    log_tail: List[str] = field(default_factory=list)


def _mini(corpus: Path) -> Plan:
    """The mini corpus synthesized by stage 10 at the integration test's tiny size."""
    from tests.integration.recipe_helpers import pretrain_opts

    options = [
        "--local_data_opts", "--num_labeled 48 --num_unlabeled 8 --num_dev 6 --num_test 8 --nj 2",
        "--nbpe", "40", "--test_sets", "test", "--asr_init_ssl_iter", "1",
        "--asr_args", "--max_epoch 1 --batch_bins 600000 --keep_nbest_models 1",
        *pretrain_opts(max_epoch=1), *LM_OPTS, *NST_ARGS,
        "--nst_unlabeled_set", "train_unlabeled",
        "--nst_student_config", "conf/train_student_ctc.yaml",
    ]  # fmt: skip
    return Plan("mini", "mini/asr1", ASR_STAGES, options)


def _tiny_ctc(nbpe: str, pretrain_sets: str, unlabeled: str) -> List[str]:
    """The corpus recipes' tests' tiny CTC model (from scratch), TEMPLATE's tiny pretraining,
    the shared LM and NST pieces (the student: voicesearch's tiny CTC student)."""
    from tests.integration.recipe_helpers import TINY_CTC

    return [
        *TINY_CTC, "--nbpe", nbpe, "--pretrain_stop_iter", "1",
        "--pretrain_config", str(REPO / "egs/TEMPLATE/asr1/conf/ssl/pretrain_tiny.yaml"),
        "--pretrain_sets", pretrain_sets, "--pretrain_args", "--max_epoch 1 --batch_bins 300000",
        *LM_OPTS, *NST_ARGS, "--nst_unlabeled_set", unlabeled, "--nst_student_config", VS_STUDENT,
    ]  # fmt: skip


def _librispeech(corpus: Path) -> Plan:
    """LibriSpeech + Libri-Light (tests/recipes/librispeech_fixture.py)."""
    from tests.recipes.librispeech_fixture import build_fixture

    fx = build_fixture(corpus)
    data = (
        f"--librispeech_root {fx.librispeech_root} --librilight_root {fx.librilight_root} "
        "--librilight_subsets small"
    )
    options = ["--local_data_opts", data, "--test_sets", "test_clean test_other"]
    options += _tiny_ctc("40", "librilight", "librilight")
    return Plan("librispeech", "librispeech/asr1", ASR_STAGES, options)


def _chime6(corpus: Path) -> Plan:
    """CHiME-6 (tests/recipes/chime6_fixture.py), worn mics, no speed perturbation (no sox needed)."""
    from tests.recipes.chime6_fixture import build_chime6_corpus

    root = build_chime6_corpus(corpus)
    options = [
        "--local_data_opts",
        f"--chime6_root {root}",
        "--test_sets",
        "dev_worn dev_array",
    ]
    options += _tiny_ctc("30", "train_worn", "dev_array")
    return Plan("chime6", "chime6/asr1", ASR_STAGES, options)


def _write_lm_text(recipe: Path) -> None:
    """data/local/bench_lm_train.txt: the training transcripts (for a data prep that writes no LM text)."""
    lines = (recipe / "data/train_speechstew/text").read_text().splitlines()
    out = recipe / "data/local/bench_lm_train.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "".join(f"{line.split(' ', 1)[1]}\n" for line in lines if " " in line)
    )


def _speechstew(corpus: Path) -> Plan:
    """TED-LIUM 3 + Common Voice, as the recipe's end-to-end test (tests/recipes/speechstew_fixture.py)."""
    from tests.recipes.speechstew_fixture import build_corpora

    fx = build_corpora(corpus, ["commonvoice", "tedlium3"])
    data = " ".join(f"--{c}_root {fx.roots[c]}" for c in ("commonvoice", "tedlium3"))
    options = [
        "--local_data_opts",
        data,
        "--asr_args",
        "--max_epoch 1 --batch_bins 20000",
    ]
    options += _tiny_ctc("40", "train_speechstew", "ted_dev")
    options += ["--lm_train_text", "data/local/bench_lm_train.txt"]
    return Plan(
        "speechstew",
        "speechstew/asr1",
        ASR_STAGES,
        options,
        before={"lm": _write_lm_text},
    )


def _voicesearch(corpus: Path) -> Plan:
    """Bring-your-own-data manifests (tests/recipes/voicesearch_fixture.py), the study's tiny configs."""
    from tests.recipes.voicesearch_fixture import build_voicesearch_fixture

    fx = build_voicesearch_fixture(corpus)
    options = [
        "--local_data_opts", fx.data_opts(), "--nbpe", "32",
        "--asr_config", "conf/train_asr_mini_ctc.yaml", "--inference_config", "conf/decode_ctc.yaml",
        "--inference_model", "valid.cer_ctc.ave.pth", "--asr_init_ssl_iter", "1",
        "--asr_args", "--max_epoch 1", "--pretrain_config", "conf/ssl/pretrain_mini.yaml",
        "--pretrain_sets", "train unlabeled", "--pretrain_stop_iter", "1",
        "--pretrain_args", "--max_epoch 1", *LM_OPTS, *NST_ARGS,
        "--nst_unlabeled_set", "unlabeled", "--nst_student_config", "conf/train_student_mini_ctc.yaml",
    ]  # fmt: skip
    return Plan("voicesearch", "voicesearch/asr1", ASR_STAGES, options)


def _noss(corpus: Path) -> Plan:
    """The six NOSS corpora (tests/recipes/noss_fixture.py) and a tiny random-weight encoder."""
    from tests.conftest import save_tiny_ssl_exp
    from tests.recipes.noss_fixture import build_noss_corpora

    fx = build_noss_corpora(corpus / "corpora")
    exp = save_tiny_ssl_exp(corpus / "ssl_exp", seed=123)
    roots = {
        "voxceleb1": "--voxceleb1_root", "voxforge": "--voxforge_root",
        "speech_commands": "--speech_commands_root", "crema_d": "--crema_d_root",
        "asvspoof2019_la": "--asvspoof2019_root", "savee": "--savee_root",
    }  # fmt: skip
    options = [x for task, opt in roots.items() for x in (opt, str(fx.roots[task]))]
    options += [
        "--encoders",
        f"pretrained={exp} random={exp}:random",
        "--control",
        "random",
    ]
    return Plan("noss", "noss/probe1", NOSS_STAGES, options, gpu_options=False)


PLANS: Dict[str, Callable[[Path], Plan]] = {
    "mini": _mini,
    "librispeech": _librispeech,
    "chime6": _chime6,
    "speechstew": _speechstew,
    "voicesearch": _voicesearch,
    "noss": _noss,
}


def _tail(path: Path, lines: int = TAIL_LINES) -> List[str]:
    """The last ``lines`` lines of ``path`` (none if it is missing)."""
    if not path.is_file():
        return []
    return path.read_text(errors="replace").splitlines()[-lines:]


def _run_logged(cmd: List[str], cwd: Path, log: Path, timeout: float) -> str:
    """``cmd`` in ``cwd``, its output to ``log``; passed, failed, or timeout (its process group killed)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), env.get("PYTHONPATH", "")) if p
    )
    with open(log, "w") as handle:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            return "passed" if proc.wait(timeout=max(1.0, timeout)) == 0 else "failed"
        except subprocess.TimeoutExpired:
            for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 30)):
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(timeout=grace)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    continue
            handle.write(
                f"\n[device_recipes] killed after {timeout:.0f} s (--timeout)\n"
            )
            return "timeout"


def _build(
    name: str, work: Path, egs: Path
) -> Tuple[Optional[Plan], Optional[Path], Row]:
    """The fixture and the recipe dir of ``name`` under ``work``: (plan, recipe dir, its row)."""
    import traceback

    from tests.integration.recipe_helpers import make_recipe

    start = time.time()
    try:
        plan = PLANS[name](work / "corpus")
        recipe = make_recipe(work / plan.source, egs / plan.source)
    except Exception:  # noqa: BLE001 - reported in the row, the next recipe runs
        tail = traceback.format_exc().splitlines()[-TAIL_LINES:]
        return (
            None,
            None,
            Row(name, "fixture", "failed", round(time.time() - start, 1), "", tail),
        )
    return plan, recipe, Row(name, "fixture", "passed", round(time.time() - start, 1))


def run_recipe(name: str, args: argparse.Namespace) -> List[Row]:
    """``name``'s fixture, then each selected stage range in order; a failure skips the rest."""
    start = time.time()
    work = args.workdir / name
    (work / "logs").mkdir(parents=True, exist_ok=True)
    plan, recipe, row = _build(name, work, args.egs)
    rows = [row]
    all_stages = (
        plan.stages if plan else (NOSS_STAGES if name == "noss" else ASR_STAGES)
    )
    broken = plan is None or recipe is None
    for stage, first, last in (s for s in all_stages if s[0] in args.stages):
        span = f"{first}-{last}" if first != last else str(first)
        if broken:
            rows.append(Row(name, stage, "skipped", 0.0, span))
            continue
        begin = time.time()
        log = work / "logs" / f"{stage}.log"
        cmd = [
            "./run.sh",
            "--stage",
            str(first),
            "--stop_stage",
            str(last),
            *plan.options,
        ]
        if plan.gpu_options:
            gpu = "true" if args.ngpu > 0 else "false"
            cmd += ["--ngpu", str(args.ngpu), "--gpu_inference", gpu]
        if stage in plan.before:
            plan.before[stage](recipe)
        status = _run_logged(cmd, recipe, log, args.timeout - (begin - start))
        tail = _tail(log) if status != "passed" else []
        rows.append(Row(name, stage, status, round(time.time() - begin, 1), span, tail))
        broken = status != "passed"
        print(f"[device_recipes] {name} {stage} ({span}): {status}", flush=True)
    return rows


def device_name(ngpu: int) -> str:
    """The GPU's name (``NVIDIA_H100_80GB_HBM3``) with ``--ngpu`` > 0, else ``cpu``."""
    if ngpu <= 0:
        return "cpu"
    import torch

    if not torch.cuda.is_available():
        return "nocuda"
    return re.sub(r"[^A-Za-z0-9.-]+", "_", torch.cuda.get_device_name(0)).strip("_")


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| recipe | stage | stages | status | seconds |", "|---|---|---|---|---|"]
    lines += [
        f"| {r.recipe} | {r.stage} | {r.stages} | {r.status} | {r.seconds:.1f} |"
        for r in rows
    ]
    return "\n".join(lines)


def _names(value: str, known: Sequence[str], what: str) -> List[str]:
    """A comma-separated list of ``known`` names (``all``: every one)."""
    names = list(known) if value == "all" else [n for n in value.split(",") if n]
    bad = [n for n in names if n not in known]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {bad or value!r}; known: {', '.join(known)}"
        )
    return names


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    stage_names = list(dict.fromkeys(s[0] for s in ASR_STAGES + NOSS_STAGES))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ngpu", type=int, default=1, help="0: CPU (the smoke mode)")
    parser.add_argument(
        "--recipes", type=lambda v: _names(v, RECIPES, "recipe"), default=list(RECIPES)
    )
    parser.add_argument(
        "--stages", type=lambda v: _names(v, stage_names, "stage"), default=stage_names
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="recipes run at the same time"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per recipe, fixture included (default: 600 on GPUs, 3600 on the CPU)",
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="default: bench/out/recipes_<time>"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="default: bench/results/<date>_<device>_recipes.json",
    )
    parser.add_argument(
        "--egs",
        type=Path,
        default=REPO / "egs",
        help="where the recipes are copied from",
    )
    args = parser.parse_args(argv)
    if args.timeout is None:
        args.timeout = 600.0 if args.ngpu > 0 else 3600.0
    if args.jobs < 1 or args.ngpu < 0 or args.timeout <= 0:
        parser.error("--jobs must be >= 1, --ngpu >= 0, --timeout > 0")
    stamp = datetime.datetime.now()
    args.date = stamp.strftime("%Y-%m-%d")
    if args.workdir is None:
        args.workdir = REPO / "bench/out" / f"recipes_{stamp:%Y%m%d_%H%M%S}"
    args.workdir = args.workdir.resolve()
    args.egs = args.egs.resolve()
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the recipes, print the table, write the JSON; 1 if a stage failed or timed out."""
    args = parse_args(argv)
    device = device_name(args.ngpu)
    out = args.json or REPO / "bench/results" / f"{args.date}_{device}_recipes.json"
    start = time.time()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda name: run_recipe(name, args), args.recipes))
    rows = [row for rows in results for row in rows]
    failed = [r for r in rows if r.status in ("failed", "timeout")]
    report = {
        "date": args.date,
        "device": device,
        "ngpu": args.ngpu,
        "command": " ".join(
            [Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]
        ),
        "total_seconds": round(time.time() - start, 1),
        "workdir": str(args.workdir),
        "rows": [asdict(r) for r in rows],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(table(rows))
    for row in failed:
        print(f"\n== {row.recipe} {row.stage} {row.status}; the end of its log:")
        print("\n".join(row.log_tail[-12:]))
    print(
        f"\n{len(rows) - len(failed)} of {len(rows)} rows not failed, {report['total_seconds']} s; wrote {out}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
