"""The tiny end-to-end mini recipe: every stage, RESULTS.md, and stock ESPnet Speech2Text loading."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import pytest
import yaml

from tests.conftest import REPO, run_command
from tests.integration.recipe_helpers import (
    make_mini_recipe,
    pretrain_opts,
    run_recipe,
)

TINY_OPTS = [
    "--local_data_opts", "--num_labeled 48 --num_unlabeled 8 --num_dev 6 --num_test 8 --nj 2",
    "--nbpe", "40",
    "--asr_args", "--max_epoch 2 --batch_bins 600000 --keep_nbest_models 2",
]  # fmt: skip


@pytest.fixture(scope="module")
def recipe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new recipe made by TEMPLATE's setup.sh from egs/mini/asr1, run end to end."""
    target = make_mini_recipe(tmp_path_factory.mktemp("recipes") / "tiny" / "asr1")
    return run_recipe(target, ["./run.sh", *TINY_OPTS], timeout=900)


def _stock_decode(code: str, cwd: Path, nltk_data: Optional[Path] = None) -> str:
    """The stdout of ``code`` run by a fresh venv python in ``cwd`` with only soundfile and stock
    ESPnet's Speech2Text imported (and what ``code`` imports); it must succeed. With
    ``nltk_data``, NLTK_DATA points there."""
    imports = "import soundfile\nfrom espnet2.bin.asr_inference import Speech2Text\n"
    env = None if nltk_data is None else dict(os.environ, NLTK_DATA=str(nltk_data))
    python = [str(REPO / ".venv/bin/python"), "-c", imports + code]
    result = run_command(python, cwd=cwd, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_results_md_has_tables_for_every_test_set(recipe: Path) -> None:
    text = (recipe / "RESULTS.md").read_text()
    assert (
        "## Environment" in text
        and "torch `2.11.0" in text
        and "espnet `202511`" in text
    )
    assert "./run.sh --local_data_opts" in text
    for unit in ("WER", "CER"):
        assert f"## {unit}" in text
    for dset in ("dev", "test"):
        assert f"/{dset} |" in text
    results = sorted(recipe.glob("exp/asr_*/decode_*/test/score_wer/result.json"))
    assert len(results) == 1
    row = json.loads(results[0].read_text())
    assert row["Snt"] == 8 and row["Wrd"] > 0
    assert row["Corr"] + row["Sub"] + row["Del"] == pytest.approx(100.0, abs=0.2)


def test_every_stage_left_a_done_marker_and_rerun_is_a_no_op(recipe: Path) -> None:
    exp = next(recipe.glob("exp/asr_train_*"))
    for marker in [
        "data",
        "dump/raw/train_labeled",
        "dump/raw/test",
        "data/token_list/train_labeled_bpe40",
        "exp/asr_stats_train_labeled_bpe40",
        str(exp.relative_to(recipe)),
    ]:
        assert (recipe / marker / ".done").is_file(), marker
    before = (exp / "valid.cer_ctc.ave.pth").stat().st_mtime_ns
    result = run_command(
        ["./run.sh", *TINY_OPTS, "--stop_stage", "50"], cwd=recipe, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "already trained" in result.stdout
    assert (exp / "valid.cer_ctc.ave.pth").stat().st_mtime_ns == before


def test_unknown_option_is_an_error(recipe: Path) -> None:
    result = run_command(["./run.sh", "--no_such_option", "1"], cwd=recipe, timeout=60)
    assert result.returncode == 2
    assert "unknown option '--no_such_option'" in result.stderr


def test_model_loads_and_decodes_in_stock_speech2text(recipe: Path) -> None:
    """Only espnet2 is imported here: the model is a plain ESPnet ASR model."""
    exp = next(recipe.glob("exp/asr_train_*"))
    wav = (recipe / "dump/raw/test/wav.scp").read_text().split()[1]
    code = (
        f"s2t = Speech2Text(asr_train_config='{exp}/config.yaml', asr_model_file='{exp}/valid.cer_ctc.ave.pth', "
        "beam_size=2, ctc_weight=1.0)\n"
        f"speech, rate = soundfile.read('{wav}')\n"
        "text, tokens, token_ids, hyp = s2t(speech)[0]\n"
        "assert isinstance(text, str) and len(token_ids) == len(tokens)\n"
        "print('DECODED', repr(text), type(s2t.asr_model).__module__)\n"
    )
    stdout = _stock_decode(code, recipe, nltk_data=recipe / "nltk_data_unused")
    assert "DECODED" in stdout and "espnet2.asr.espnet_model" in stdout


def test_pretrain_then_finetune_with_frozen_encoder(recipe: Path) -> None:
    """Stages 44-46 pretrain; stage 50 loads the encoder and (frozen throughout) keeps it exactly."""
    import torch

    opts = [
        "--stage", "44",
        "--stop_stage", "60",
        "--test_sets", "test",
        *pretrain_opts(max_epoch=1),
        "--asr_init_ssl_iter", "1",
        "--asr_args",
        "--max_epoch 1 --batch_bins 600000 --keep_nbest_models 1 --freeze_encoder_steps 100000",
    ]  # fmt: skip
    result = run_command(["./run.sh", *opts], cwd=recipe, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ssl = recipe / "exp/ssl_iter1"
    assert (ssl / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert "loss" in (ssl / "curve.csv").read_text().splitlines()[0]
    finetuned = recipe / "exp/asr_train_asr_conformer_ctc_ssl_iter1"
    assert (
        "Loading pretrained params from exp/ssl_iter1/valid.loss.ave.pth:encoder:encoder"
        in (finetuned / "train.log").read_text()
    )
    pre = torch.load(ssl / "valid.loss.ave.pth", map_location="cpu", weights_only=True)
    post = torch.load(
        finetuned / "valid.cer_ctc.ave.pth", map_location="cpu", weights_only=True
    )
    weights = [
        k
        for k in post
        if k.startswith("encoder.") and "running_" not in k and "num_batches" not in k
    ]
    assert weights and all(torch.equal(pre[k], post[k]) for k in weights)
    assert (finetuned / "decode_decode_ctc_valid.cer_ctc.ave/test/text").is_file()


NST_OPTS = [
    "--stage", "75",
    "--stop_stage", "75",
    "--test_sets", "test",
    "--asr_init_ssl_iter", "1",
    "--nst_tag", "ctc",
    "--nst_unlabeled_set", "train_unlabeled",
    "--nst_student_config", "conf/train_student_ctc.yaml",
    "--nst_student_args",
    "--max_epoch 1 --num_iters_per_epoch 3 --batch_size 4 --keep_nbest_models 1",
    "--nst_reference_text", "data/local/unlabeled_reference/text",
]  # fmt: skip


def test_nst_topline_student_trains_on_mixed_batches_and_decodes(recipe: Path) -> None:
    """Stage 75 with reference labels: student data, 1:9-style mixing, adaptive SpecAugment, decode, score."""
    result = run_command(
        ["./run.sh", *NST_OPTS, "--nst_stop_iter", "1", "--nst_labels", "reference"],
        cwd=recipe,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    topline = recipe / "exp/nst_topline_ctc"
    groups = (topline / "data/train/utt2group").read_text().split()
    assert groups.count("labeled") == 48 and groups.count("pseudo") == 8
    unlabeled_text = (topline / "data/train/text").read_text()
    reference = (recipe / "data/local/unlabeled_reference/text").read_text()
    assert all(line in unlabeled_text for line in reference.splitlines())
    log = (topline / "train.log").read_text()
    assert (
        "Loading pretrained params from exp/ssl_iter1/valid.loss.ave.pth:encoder:encoder"
        in log
    )
    assert "AdaptiveSpecAug" in log or "adaptive" in log.lower()
    assert (
        json.loads(
            next(topline.glob("decode_*/test/score_wer/result.json")).read_text()
        )["Snt"]
        == 8
    )
    # trained with bigssl's adaptive SpecAugment, yet loadable by stock ESPnet (only espnet2 imported)
    assert "adaptive_specaug" in (topline / "config.train.yaml").read_text()
    wav = (recipe / "dump/raw/test/wav.scp").read_text().split()[1]
    code = (
        f"s2t = Speech2Text(asr_train_config='{topline}/config.yaml', asr_model_file='{topline}/valid.cer_ctc.ave.pth', beam_size=2, ctc_weight=1.0)\n"
        f"print('DECODED', repr(s2t(soundfile.read('{wav}')[0])[0][0]))\n"
    )
    assert "DECODED" in _stock_decode(code, recipe)


def test_nst_generation_pseudo_labels_in_shards_and_filters(recipe: Path) -> None:
    """Stage 75, generation 1: the stage-50 model labels the unlabeled set in 2 shards; the filter reports."""
    result = run_command(
        [
            "./run.sh",
            *NST_OPTS,
            "--nst_stop_iter",
            "1",
            "--nst_nj",
            "2",
            "--nst_filter_args",
            "--min_tokens_per_sec 0 --max_tokens_per_sec 1000",
        ],
        cwd=recipe,
        timeout=900,
    )
    pseudo = recipe / "exp/nst_iter1_ctc/pseudo"
    utts = sorted(
        line.split()[0]
        for line in (recipe / "dump/raw/train_unlabeled/wav.scp")
        .read_text()
        .splitlines()
    )
    for name in ("text", "confidence", "num_tokens", "duration"):
        assert [
            line.split()[0] for line in (pseudo / name).read_text().splitlines()
        ] == utts
    assert all(
        0.0 <= float(line.split()[1]) <= 1.0
        for line in (pseudo / "confidence").read_text().splitlines()
    )
    assert sorted((pseudo / "shards").glob("*/.done")) == [
        pseudo / "shards/0/.done",
        pseudo / "shards/1/.done",
    ]
    report = json.loads(
        (recipe / "exp/nst_iter1_ctc/data/pseudo/filter/report.json").read_text()
    )
    assert report["counts"]["total"] == len(utts)
    assert (
        recipe / "exp/nst_iter1_ctc/data/pseudo/filter/confidence_hist.png"
    ).read_bytes()[:4] == b"\x89PNG"
    if (
        report["counts"]["kept"] == 0
    ):  # a 1-epoch teacher may emit only blanks: the stage must stop and say so
        assert (
            result.returncode != 0 and "kept" in (result.stdout + result.stderr).lower()
        )
    else:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert (recipe / "exp/nst_iter1_ctc/.done").is_file()


def test_lm_stage_trains_and_test_decodes_with_shallow_fusion(recipe: Path) -> None:
    """Stage 55 trains an ESPnet LM (a few steps) on text-only data, evaluation sentences dropped;
    stages 60-80 decode test with --use_lm true into a decode dir of its own, scored and listed.
    """
    local = recipe / "data/local"
    corpus = local / "lm_train.txt"
    if corpus.is_file():
        sentences = corpus.read_text().splitlines()
    else:  # a corpus builder without LM text: the labeled transcripts
        labeled = (recipe / "data/train_labeled/text").read_text().splitlines()
        sentences = [line.split(" ", 1)[1] for line in labeled]
    leaked = (recipe / "data/test/text").read_text().splitlines()[0].split(" ", 1)[1]
    (local / "lm_text_with_a_test_sentence.txt").write_text(
        "".join(f"{s}\n" for s in [*sentences, leaked])
    )
    opts = [
        "--stage", "55",
        "--stop_stage", "80",
        "--test_sets", "test",
        "--lm_config", "conf/train_lm.yaml",
        "--lm_train_text", "data/local/lm_text_with_a_test_sentence.txt",
        "--lm_args",
        "--max_epoch 2 --num_iters_per_epoch 4 --batch_size 16 --keep_nbest_models 1",
        "--use_lm", "true",
        "--inference_config", "conf/decode_ctc_lm.yaml",
    ]  # fmt: skip
    result = run_command(["./run.sh", *opts], cwd=recipe, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lm = recipe / "exp/lm_train_lm_train_labeled_bpe40"
    assert (lm / ".done").is_file() and (lm / "valid.loss.ave.pth").is_file()
    assert "1 evaluation sentences dropped" in result.stdout
    train = (lm / "data/train.txt").read_text().splitlines()
    valid = (lm / "data/valid.txt").read_text().splitlines()
    assert len(train) + len(valid) == len([s for s in sentences if s.split()])
    assert len(valid) == (len(train) + len(valid)) // 20
    assert all(line.split(" ", 1)[1] != leaked for line in train + valid)
    assert "valid loss" in (lm / "valid_perplexity.txt").read_text()
    exp = recipe / "exp/asr_train_asr_conformer_ctc"
    fused = (
        exp / "decode_decode_ctc_lm_valid.cer_ctc.ave_lm_train_lm_valid.loss.ave/test"
    )
    assert json.loads((fused / "score_wer/result.json").read_text())["Snt"] == 8
    weight = yaml.safe_load((recipe / "conf/decode_ctc_lm.yaml").read_text())[
        "lm_weight"
    ]
    assert json.loads((fused / "rtf.json").read_text())["lm_weight"] == weight
    results = (recipe / "RESULTS.md").read_text()
    assert f"{exp.name}/{fused.parent.name}/test |" in results
    assert f"{exp.name}/decode_decode_ctc_valid.cer_ctc.ave/test |" in results
    rerun = run_command(
        ["./run.sh", *opts, "--stop_stage", "55"], cwd=recipe, timeout=300
    )
    assert rerun.returncode == 0 and "already trained" in rerun.stdout


def test_packed_model_decodes_in_stock_espnet_from_another_directory(
    recipe: Path, tmp_path: Path
) -> None:
    """Stage 90's zip, unpacked elsewhere by ESPnet's own unpack, decodes as the recipe did."""
    exp = (
        recipe / "exp/asr_train_asr_conformer_ctc"
    )  # the run.sh experiment (others come later)
    packed = exp / f"{exp.name}_valid.cer_ctc.ave.zip"
    assert packed.is_file()
    utt, wav = (
        (recipe / "dump/raw/test/wav.scp").read_text().splitlines()[0].split(maxsplit=1)
    )
    decoded = dict(
        line.split(maxsplit=1) if " " in line else (line, "")
        for line in (
            exp / "decode_decode_ctc_valid.cer_ctc.ave/test/text"
        )  # not an LM decode
        .read_text()
        .splitlines()
    )
    code = (
        "import yaml\n"
        "from espnet2.main_funcs.pack_funcs import unpack\n"
        f"files = unpack('{packed}', 'unpacked')\n"
        f"options = yaml.safe_load(open('{recipe}/conf/decode_ctc.yaml'))\n"
        "s2t = Speech2Text(**files, **options)\n"
        f"speech, rate = soundfile.read('{recipe / wav}')\n"
        "print('DECODED', repr(s2t(speech)[0][0]), sorted(files))\n"
        "config = yaml.safe_load(open(files['asr_train_config']))\n"
        "print('STATS', config['normalize_conf']['stats_file'], 'BPE', config['bpemodel'])\n"
    )
    stdout = _stock_decode(code, tmp_path, nltk_data=tmp_path / "nltk_data_unused")
    assert f"DECODED {decoded[utt]!r}" in stdout
    assert "['asr_model_file', 'asr_train_config']" in stdout
    stats, bpe = stdout.split("STATS ")[1].split(" BPE ")
    assert stats.startswith("unpacked/") and bpe.strip().startswith("unpacked/")
