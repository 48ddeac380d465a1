"""Chaos: the whole tiny pipeline killed with SIGKILL at many points, rerun each time, ends identical.

One recipe runs uninterrupted; a second runs the same command, killed at kill points spread over
every stage (timed kills of the whole process group, and kills of the training process between a
checkpoint's write and its rename, through BIGSSL_FAULT_KILL_BEFORE_RENAME), rerun after each kill
with the same command until it finishes. The averaged models (pretraining, ASR, LM, NST student),
decoded texts, scores, pseudo-labels and student data must be byte-identical to the clean run's,
with every utterance present once. The clean run labels with one job, the killed one with three:
pseudo-labels are batched before sharding, so the job count must not change a byte.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from bigssl.training.checkpoints import FAULT_ENV
from tests.integration.recipe_helpers import make_mini_recipe, pretrain_opts

# Beam search with the LM; at least 3 tokens, so that a barely trained teacher still gives
# non-empty pseudo-labels (empty ones are dropped by the filter, and a set of none stops stage 75).
DECODE_CONFIG = (
    "beam_size: 2\nctc_weight: 1.0\nlm_weight: 0.3\nminlenratio: -3\nnbest: 1\n"
)
COMMAND = [
    "./run.sh",
    "--local_data_opts",
    "--num_labeled 24 --num_unlabeled 8 --num_dev 4 --num_test 6 --nj 1",
    "--nbpe",
    "30",
    "--test_sets",
    "test",
    *pretrain_opts(max_epoch=2),
    "--asr_init_ssl_iter",
    "1",
    "--asr_args",
    "--max_epoch 2 --batch_bins 600000 --keep_nbest_models 2",
    "--lm_config",
    "conf/train_lm.yaml",
    "--lm_args",
    "--max_epoch 2",
    "--use_lm",
    "true",
    "--inference_config",
    "conf/decode_chaos.yaml",
    "--nst_decode_config",
    "conf/decode_chaos.yaml",
    "--nst_stop_iter",
    "1",
    "--nst_tag",
    "chaos",
    "--nst_unlabeled_set",
    "train_unlabeled",
    "--nst_student_config",
    "conf/train_student_ctc.yaml",
    "--nst_student_args",
    "--max_epoch 2 --num_iters_per_epoch 2 --batch_size 4 --keep_nbest_models 1",
    "--nst_pseudo_label_args",
    "--batch_seconds 6",  # several batches of ~2 utterances, for the 3 jobs to share
    "--nst_filter_args",
    "--min_tokens_per_sec 0 --max_tokens_per_sec 1000",
    "--nst_reference_text",
    "data/local/unlabeled_reference/text",
]

# (stage line that starts the clock, when) for a timed kill of the whole run, or (None, file name) for
# a kill of the process writing that file, between its write and its rename. ``when`` is (fraction,
# seconds): the kill comes that fraction into the stage as the clean run (ahead, side by side) took it,
# or after the seconds when the clean run has not finished that stage yet; fixed delays alone stopped
# landing inside their stages when the processes got faster.
KillPoint = Tuple[Optional[str], object]
KILL_POINTS: List[KillPoint] = [
    ("stage 10_data", (0.5, 1.0)),
    ("stage 20_validate", (0.5, 0.5)),
    ("stage 30_tokenizer", (0.5, 0.3)),
    ("stage 40_stats", (0.5, 2.0)),
    ("stage 46_pretrain", (0.5, 8.0)),
    (None, "checkpoint.pth"),
    ("stage 50_train", (0.4, 8.0)),
    (None, "valid.cer_ctc.ave_2best.pth"),
    ("stage 55_lm", (0.4, 5.0)),
    (None, "checkpoint.pth"),
    ("stage 60_decode", (0.5, 3.0)),
    ("stage 70_score", (0.3, 0.1)),
    ("stage 75_nst", (0.3, 8.0)),
    ("stage 75_nst", (0.7, 20.0)),
    ("stage 80_results", (0.3, 0.5)),
]
STAMP = re.compile(r"^(\S+) \(pipeline\) (?:stage (\S+)|finished stages)", re.M)


def _stage_seconds(log: Path, stage: str) -> Optional[float]:
    """How long the run of ``log`` spent in ``stage`` (its first pass), if it has left it."""
    marks = [
        (datetime.fromisoformat(m.group(1)), m.group(2))
        for m in STAMP.finditer(log.read_text(errors="replace"))
    ]
    for (start, name), (end, _) in zip(marks, marks[1:]):
        if name == stage:
            return (end - start).total_seconds()
    return None


def _delay(clean_log: Path, trigger: str, when: Tuple[float, float]) -> float:
    fraction, fallback = when
    seconds = _stage_seconds(clean_log, trigger.split()[-1])
    return fallback if seconds is None else max(0.1, fraction * seconds)


def _make_recipe(target: Path) -> Path:
    make_mini_recipe(target)
    (target / "conf/decode_chaos.yaml").write_text(DECODE_CONFIG)
    return target


CLEAN_NJ, CHAOS_NJ = "1", "3"  # pseudo-labeling jobs of the clean and of the killed run


def _start(
    recipe: Path, log: Path, nst_nj: str, fault: Optional[str] = None
) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop(FAULT_ENV, None)
    if fault is not None:
        env[FAULT_ENV] = fault
    with open(log, "w") as out:
        return subprocess.Popen(
            [*COMMAND, "--nst_nj", nst_nj],
            cwd=recipe,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _kill_after(proc: subprocess.Popen, log: Path, trigger: str, delay: float) -> bool:
    """SIGKILL the run's process group ``delay`` s after ``trigger`` shows in its log; True if it
    was still running then."""
    deadline = time.time() + 600
    while trigger not in log.read_text(errors="replace"):
        if proc.poll() is not None:
            return False
        assert time.time() < deadline, f"no '{trigger}' in {log} within 600 s"
        time.sleep(0.1)
    end = time.time() + delay
    while time.time() < end:
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return True


def _outputs(recipe: Path) -> Dict[str, str]:
    """md5 of every final output that must not depend on kills (symlinks followed)."""
    patterns = [
        "exp/ssl_iter1/valid.loss.ave.pth",
        "exp/asr_*/valid.cer_ctc.ave.pth",
        "exp/lm_*/valid.loss.ave.pth",
        "exp/nst_iter1_chaos/valid.cer_ctc.ave.pth",
        "exp/**/decode_*/*/text",
        "exp/**/score_wer/result.json",
        "exp/**/score_cer/result.json",
        "exp/nst_iter1_chaos/pseudo/text",
        "exp/nst_iter1_chaos/pseudo/confidence",
        "exp/nst_iter1_chaos/data/pseudo/text",
        "exp/nst_iter1_chaos/data/train/text",
        "exp/nst_iter1_chaos/data/train/utt2group",
        "dump/raw/*/text",
        "dump/raw/*/wav.scp",
    ]
    digest = {}
    for pattern in patterns:
        for path in sorted(recipe.glob(pattern)):
            content = path.read_bytes().replace(str(recipe).encode(), b"RECIPE")
            digest[str(path.relative_to(recipe))] = hashlib.md5(content).hexdigest()
    return digest


def _ids(path: Path) -> List[str]:
    return [line.split(maxsplit=1)[0] for line in path.read_text().splitlines()]


def test_pipeline_killed_anywhere_reruns_to_identical_outputs(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("chaos")
    clean = _make_recipe(root / "clean")
    chaos = _make_recipe(root / "chaos")
    clean_run = _start(
        clean, root / "clean.log", CLEAN_NJ
    )  # side by side with the killed runs

    landed: List[str] = []
    for number, (trigger, when) in enumerate(KILL_POINTS):
        log = root / f"chaos.{number}.log"
        if trigger is None:
            proc = _start(chaos, log, CHAOS_NJ, fault=str(when))
            code = proc.wait(timeout=900)
            if (
                code != 0
            ):  # the writer killed itself; the pipeline stops with the failure
                landed.append(f"inside the write of {when}")
        else:
            delay = _delay(root / "clean.log", trigger, when)  # type: ignore[arg-type]
            proc = _start(chaos, log, CHAOS_NJ)
            if _kill_after(proc, log, trigger, delay):
                stages = re.findall(
                    r"\(pipeline\) stage (\S+)", log.read_text(errors="replace")
                )
                landed.append(
                    f"{delay:.1f} s after '{trigger}' (in {stages[-1] if stages else '?'})"
                )
        if (chaos / "RESULTS.md").exists() and proc.returncode == 0:
            break
    final = _start(chaos, root / "chaos.final.log", CHAOS_NJ)
    assert final.wait(timeout=1200) == 0, (root / "chaos.final.log").read_text()[-3000:]
    assert clean_run.wait(timeout=1200) == 0, (root / "clean.log").read_text()[-3000:]

    print("kill points that landed:\n  " + "\n  ".join(landed))
    assert len(landed) >= 10, landed
    assert any("checkpoint.pth" in point for point in landed)

    expected, got = _outputs(clean), _outputs(chaos)
    assert len(expected) >= 20, sorted(expected)
    assert got == expected

    # every utterance once: decoded test sets and pseudo-labels
    test_ids = sorted(_ids(chaos / "dump/raw/test/text"))
    for text in chaos.glob("exp/**/decode_*/test/text"):
        assert sorted(_ids(text)) == test_ids, text
    unlabeled = sorted(_ids(chaos / "dump/raw/train_unlabeled/wav.scp"))
    assert sorted(_ids(chaos / "exp/nst_iter1_chaos/pseudo/text")) == unlabeled
