"""Shared pieces of the end-to-end recipe tests: a fresh copy of the mini recipe, pretraining options."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import List

from tests.conftest import REPO, run_command

# the environment recipe scripts run in: this one, with this checkout's bigssl on PYTHONPATH
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
STAGE_10 = ("./run.sh", "--stage", "10", "--stop_stage", "10")  # data preparation alone

# a supervised tiny CTC model (no pretraining): the corpus recipes' tiny CPU configs
TINY_CTC = [
    "--pretrain_stop_iter", "0",
    "--asr_init_ssl_iter", "0",
    "--asr_config", "conf/train_asr_conformer_ctc_tiny.yaml",
    "--inference_config", "conf/decode_ctc.yaml",
]  # fmt: skip


def run_stages(first: int, last: int) -> List[str]:
    """``./run.sh`` from stage ``first`` to stage ``last``."""
    return ["./run.sh", "--stage", str(first), "--stop_stage", str(last)]


def make_recipe(target: Path, source: Path = REPO / "egs/mini/asr1") -> Path:
    """A new recipe made by TEMPLATE's setup.sh at ``target``, from ``source`` (its conf/, local/, run.sh)."""
    subprocess.run(
        [
            "bash",
            str(REPO / "egs/TEMPLATE/asr1/setup.sh"),
            "--from",
            str(source),
            str(target),
        ],
        check=True,
        capture_output=True,
    )
    return target


def run_recipe(recipe: Path, command: List[str], timeout: int) -> Path:
    """Run ``command`` (e.g. ``./run.sh`` and its options) in ``recipe``; it must succeed."""
    result = run_command(command, cwd=recipe, timeout=timeout)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-3000:]
    return recipe


def make_mini_recipe(target: Path) -> Path:
    """A new recipe made by TEMPLATE's setup.sh from egs/mini/asr1 at ``target``."""
    return make_recipe(target)


def pretrain_opts(max_epoch: int) -> List[str]:
    """Pipeline options of one short wav2vec 2.0 pretraining iteration on the mini corpus's audio."""
    return [
        "--pretrain_config",
        "conf/ssl/pretrain_mini.yaml",
        "--pretrain_sets",
        "train_unlabeled train_labeled",
        "--pretrain_stop_iter",
        "1",
        "--pretrain_args",
        f"--max_epoch {max_epoch} --batch_bins 300000",
    ]
