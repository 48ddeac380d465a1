"""Stages 50, 60 and 70 take the experiment (and stage 50 its data and start) as arguments: stage 75
runs them that way for each student; the pipeline runs them without, on the stage-50 model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

from tests.conftest import REPO
from tests.integration.recipe_helpers import make_mini_recipe

TEMPLATE = REPO / "egs/TEMPLATE/asr1"


def _stage(root: Path, stage: str, *args: str) -> subprocess.CompletedProcess:
    """Run stages/<stage>.sh in ``root`` with the variables pipeline.sh exports."""
    if not (root / "path.sh").exists():
        (root / "path.sh").symlink_to(TEMPLATE / "path.sh")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "pipeline_dir": str(TEMPLATE),
        "dumpdir": "dump",
        "expdir": "exp",
        "train_set": "tr",
        "valid_set": "dv",
        "test_sets": "t",
        "asr_exp": "exp/asr_base",
        "asr_config": "a.yaml",
        "asr_args": "",
        "asr_stats_dir": "exp/asr_stats",
        "ssl_stats_dir": "exp/ssl_stats",
        "token_dir": "data/token_list",
        "feats_stats": "auto",
        "asr_init_ssl_iter": "0",
        "use_lm": "false",
        "inference_model": "valid.loss.ave.pth",
        "inference_tag": "decode_x",
        "BIGSSL_EXP_COMMAND": "test",
    }
    return subprocess.run(
        ["bash", str(TEMPLATE / f"stages/{stage}.sh"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _out(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def test_training_uses_the_data_dir_it_is_given(tmp_path: Path) -> None:
    student: List[str] = ["--asr_exp", "exp/student", "--train_dir", "exp/student/data"]
    result = _stage(tmp_path, "50_train", *student, "--shape_dir", "exp/student/shapes")
    assert result.returncode == 1, _out(result)
    assert "no exp/student/data/wav.scp: run stage 20 (validate) first" in result.stdout
    assert not (tmp_path / "exp/asr_base").exists()  # the stage-50 experiment untouched

    default = _stage(tmp_path, "50_train")
    assert default.returncode == 1, _out(default)
    assert "no dump/raw/tr/wav.scp: run stage 20 (validate) first" in default.stdout


def test_training_from_a_missing_model_names_it(tmp_path: Path) -> None:
    result = _stage(tmp_path, "50_train", "--init_param", "exp/teacher/m.pth")
    assert result.returncode == 1, _out(result)
    assert "no model exp/teacher/m.pth to initialize from" in result.stdout


def test_stage_options_are_checked_and_listed(tmp_path: Path) -> None:
    bad = _stage(tmp_path, "50_train", "--train_set", "other")
    assert bad.returncode == 2 and "unknown option '--train_set'" in bad.stderr
    extra = _stage(tmp_path, "70_score", "exp/student")
    assert extra.returncode == 2 and "unexpected argument 'exp/student'" in _out(extra)
    usage = _stage(tmp_path, "50_train", "--help")
    assert usage.returncode == 0
    for name in ("asr_exp", "asr_config", "asr_args", "train_dir", "shape_dir"):
        assert f"--{name} [" in usage.stdout
    assert "--init_param []" in usage.stdout


def test_decoding_and_scoring_use_the_experiment_they_are_given(
    tmp_path: Path,
) -> None:
    decode = _stage(tmp_path, "60_decode", "--asr_exp", "exp/nst_iter1")
    assert decode.returncode == 1, _out(decode)
    assert "no model exp/nst_iter1/valid.loss.ave.pth to decode with" in decode.stdout
    score = _stage(tmp_path, "70_score", "--asr_exp", "exp/nst_iter1")
    assert score.returncode == 1, _out(score)
    assert "no decoding exp/nst_iter1/decode_x/t/text to score" in score.stdout


def test_nst_trains_each_student_through_stage_50s_arguments(tmp_path: Path) -> None:
    """Stage 75 (the topline here: no teacher to fake) hands stage 50 the student's own data dir,
    shape dir and config; the student's data is missing, and stage 50 says so by that path.
    """
    from tests.test_options import _run

    recipe = make_mini_recipe(tmp_path / "r" / "asr1")
    (recipe / "dump/raw/u").mkdir(parents=True)
    (recipe / "dump/raw/u/wav.scp").write_text("u1 /x.wav\n")
    (recipe / "ref.txt").write_text("u1 A\n")
    (recipe / "exp/nst_topline/data/train").mkdir(parents=True)
    (recipe / "exp/nst_topline/data/train/.done").write_text("")
    nst = ["--nst_stop_iter", "1", "--nst_unlabeled_set", "u", "--nst_labels"]
    nst += ["reference", "--nst_reference_text", "ref.txt", "--nst_student_config"]
    result = _run(
        ["./run.sh", "--stage", "75", "--stop_stage", "75", *nst]
        + ["conf/train_student_ctc.yaml"],
        recipe,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "training the student exp/nst_topline" in result.stdout
    assert (
        "no exp/nst_topline/data/train/wav.scp: run stage 20 (validate) first"
        in result.stdout
    )
    assert not any((recipe / "exp").glob("asr_*/run_command"))  # not the stage-50 model
