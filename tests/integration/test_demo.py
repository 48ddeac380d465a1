"""make demo's recipe (egs/mini/demo1/run.sh) on the tiny corpus: pretraining, fine-tuning, the
LM, LM-fused decoding, one NST generation, the system table opening RESULTS.md, the packed student."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.integration.recipe_helpers import make_recipe, run_recipe

TINY_DEMO_OPTS = [
    "--local_data_opts",
    "--num_labeled 48 --num_unlabeled 8 --num_dev 6 --num_test 8 --nj 2",
    "--pretrain_steps",
    "4",
    "--finetune_epochs",
    "1",
    "--student_epochs",
    "1",
    "--unlabeled_utts",
    "6",
    "--num_procs",
    "1",
    "--pretrain_args",
    "--batch_bins 300000",
    "--asr_args",
    "--batch_bins 600000 --keep_nbest_models 1",
    "--lm_args",
    "--max_epoch 1 --num_iters_per_epoch 3 --keep_nbest_models 1",
    "--student_args",
    "--num_iters_per_epoch 3 --batch_size 4 --keep_nbest_models 1",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new recipe made by TEMPLATE's setup.sh from egs/mini/demo1, run end to end."""
    target = make_recipe(
        tmp_path_factory.mktemp("recipes") / "demo" / "demo1", REPO / "egs/mini/demo1"
    )
    return run_recipe(target, ["./run.sh", *TINY_DEMO_OPTS], timeout=1200)


def _cells(line: str) -> list:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_results_md_opens_with_the_three_systems_and_their_cost(demo: Path) -> None:
    text = (demo / "RESULTS.md").read_text()
    titles = [line for line in text.splitlines() if line.startswith("#")]
    assert (
        titles[1] == "## The demo's systems (make demo: egs/mini/demo1/run.sh)"
    ), titles
    assert titles[2] == "## Environment"
    table = text.split(titles[1])[1].split("## Environment")[0]
    rows = [_cells(r) for r in table.splitlines() if r.startswith("| ")][1:]
    assert [r[0] for r in rows] == [
        "teacher: pretrained, fine-tuned with CTC, no LM",
        "teacher + LM (shallow fusion)",
        "student, NST generation 1, + LM",
    ]
    for row in rows:
        cer, wer, minutes = float(row[1]), float(row[2]), float(row[5])
        assert 0 <= cer and 0 <= wer and minutes > 0, row
    # CER against the row above: the LM against the teacher, the student against teacher + LM
    for above, row in zip(rows, rows[1:]):
        change = 100 * (float(row[1]) - float(above[1])) / float(above[1])
        assert float(row[3].rstrip("%")) == pytest.approx(change, abs=0.3), row
    # each system's cost adds what it needed: pretraining + teacher, + LM, + student
    assert "`ssl_iter1` (4 steps" in rows[0][4] and "`asr_demo_teacher`" in rows[0][4]
    assert "lm_train_lm_train_labeled_bpe40" in rows[1][4]
    assert "`nst_iter1_demo` (3 steps" in rows[2][4]
    # (minutes are rounded to 0.1: the tiny LM and student add less than that)
    assert float(rows[0][5]) <= float(rows[1][5]) <= float(rows[2][5])
    # the student's row reads the LM-fused decoding, and the note says what was kept
    assert "4 of 6 kept" in table and "One seed and no controls" in table
    assert "./run.sh --local_data_opts" in text


def test_the_demo_ran_every_stage_of_the_method(demo: Path) -> None:
    exp = demo / "exp"
    for done in [
        "ssl_iter1",
        "asr_demo_teacher",
        "lm_train_lm_train_labeled_bpe40",
        "nst_iter1_demo/pseudo",
        "nst_iter1_demo/data/pseudo",
        "nst_iter1_demo",
    ]:
        assert (exp / done / ".done").is_file(), done
    teacher = exp / "asr_demo_teacher"
    assert (
        "Loading pretrained params from exp/ssl_iter1"
        in (teacher / "train.log").read_text()
    )
    lm_decode = "decode_decode_ctc_lm_valid.cer_ctc.ave_lm_train_lm_valid.loss.ave"
    for scored in [
        teacher / "decode_decode_ctc_valid.cer_ctc.ave/test",
        teacher / lm_decode / "test",
        exp / "nst_iter1_demo" / lm_decode / "test",
    ]:
        assert (scored / "score_cer/result.json").is_file(), scored
    # pseudo-labeling decoded with the LM
    assert "lm_file" in (exp / "nst_iter1_demo/log/pseudo_label.1.log").read_text()
    # --nst_student_init teacher: the student loads the teacher whole, not the pretrained encoder
    log = (exp / "nst_iter1_demo/train.log").read_text()
    assert (
        "Loading pretrained params from exp/asr_demo_teacher/valid.cer_ctc.ave.pth"
        in log
    )
    assert "ssl_iter1/valid.loss.ave.pth:encoder:encoder" not in log


def test_the_packed_zip_is_the_student_with_its_lm(demo: Path) -> None:
    student = demo / "exp/nst_iter1_demo"
    packed = zipfile.ZipFile(student / "nst_iter1_demo_valid.cer_ctc.ave.zip")
    # ESPnet's pack stores symlinked checkpoints under their targets' names; meta.yaml says which
    meta = yaml.safe_load(packed.read("meta.yaml"))
    assert meta["yaml_files"]["asr_train_config"] == "exp/nst_iter1_demo/config.yaml"
    assert meta["files"]["asr_model_file"].startswith("exp/nst_iter1_demo/")
    assert meta["files"]["lm_file"].startswith("exp/lm_train_lm_train_labeled_bpe40/")
    names = packed.namelist()
    assert (
        meta["files"]["asr_model_file"] in names and meta["files"]["lm_file"] in names
    )
    assert "RESULTS.md" in names
    assert not list((demo / "exp/asr_demo_teacher").glob("*.zip"))
