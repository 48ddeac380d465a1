"""Beam-search pseudo-labeling with LM shallow fusion: fused/posterior confidences, spec, filtering."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import pytest
import soundfile
import torch

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from bigssl.nst import pseudo_label as pl  # noqa: E402
from bigssl.nst.confidence import (  # noqa: E402
    beam_log_scores,
    lm_token_log_prob,
    score_confidence,
)
from bigssl.nst.filter_rules import FilterRule  # noqa: E402
from bigssl.nst.filtering import filter_pseudo_dir  # noqa: E402
from tests.asr.asr_helpers import tiny_asr_args  # noqa: E402
from tests.conftest import PSEUDO_FILES, save_exp, write_wav_dir  # noqa: E402

TOKENS = ["<blank>", "<unk>", "a", "b", "c", "d", "e", "<sos/eos>"]
LM_WEIGHT = 0.5


# --- the confidence math -------------------------------------------------------------------


def test_score_confidence_is_monotone_bounded_and_length_normalized() -> None:
    scores = [-50.0, -10.0, -3.0, -1.0, -0.1, 0.0, 2.0]
    values = [score_confidence(s, 4) for s in scores]
    assert values == sorted(values)
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values[-1] == 1.0  # a positive score (e.g. a length bonus) is clipped
    assert score_confidence(-5.0, 4) == pytest.approx(math.exp(-1.0))
    # the same per-step log score gives the same confidence at any length
    for length in (1, 3, 30, 300):
        assert score_confidence(-0.2 * (length + 1), length) == pytest.approx(
            math.exp(-0.2)
        )
    assert score_confidence(-1.0, 0) == 0.0  # empty hypothesis


def test_beam_log_scores_leave_out_the_length_bonus_and_split_off_the_lm() -> None:
    weights = {"ctc": 0.3, "decoder": 0.7, "lm": 0.5, "length_bonus": 2.0}
    scores = {"ctc": -4.0, "decoder": -2.0, "lm": -6.0, "length_bonus": 5.0}
    fused, acoustic = beam_log_scores(scores, weights)
    assert fused == pytest.approx(0.3 * -4.0 + 0.7 * -2.0 + 0.5 * -6.0)
    assert acoustic == pytest.approx(0.3 * -4.0 + 0.7 * -2.0)
    # CTC-only teacher: the acoustic score is the CTC sequence log probability
    fused, acoustic = beam_log_scores(
        {"ctc": -3.0, "lm": -2.0}, {"ctc": 1.0, "lm": 0.5}
    )
    assert (fused, acoustic) == pytest.approx((-4.0, -3.0))
    with pytest.raises(ValueError):
        beam_log_scores({"lm": -1.0}, {"lm": 1.0})


# --- tiny real models ----------------------------------------------------------------------


def _dump(
    args: argparse.Namespace, model: torch.nn.Module, out: Path
) -> Tuple[str, str]:
    config, model_file = save_exp(args, model, out)
    return str(config), str(model_file)


def _asr_args(transducer: bool) -> argparse.Namespace:
    return tiny_asr_args(TOKENS, transducer)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Tuple[str, str]]:
    """config.yaml + model.pth of a tiny CTC teacher, a tiny RNN-T teacher and a tiny RNN LM."""
    from espnet2.tasks.lm import LMTask

    from bigssl.asr.task import BigSSLASRTask

    root = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    files = {}
    for name, transducer in (("ctc", False), ("rnnt", True)):
        args = _asr_args(transducer)
        model = BigSSLASRTask.build_model(args).eval()
        with torch.no_grad():  # random weights: make blanks and tokens both likely
            if transducer:
                model.joint_network.lin_out.bias[0] += 2.5
            else:
                model.ctc.ctc_lo.bias[0] += 1.0
        files[name] = _dump(args, model, root / name)
    lm_args = LMTask.get_parser().parse_args(
        ["--output_dir", "unused", "--token_list", "unused"]
    )
    lm_args.token_list, lm_args.token_type = list(TOKENS), "char"
    lm_args.lm, lm_args.lm_conf = "seq_rnn", {"unit": 16, "nlayers": 1}
    lm = LMTask.build_model(lm_args).eval()
    files["lm"] = _dump(lm_args, lm, root / "lm")
    return files


@pytest.fixture(scope="module")
def unlabeled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("unlabeled")
    rng = np.random.default_rng(0)
    waves = {
        f"spk{i % 2}-utt{i:02d}": 0.3 * rng.standard_normal(2400 + 800 * i)
        for i in range(8)
    }
    return write_wav_dir(root / "data", root, waves)


def _options(
    models: Dict[str, Tuple[str, str]],
    tmp_path: Path,
    teacher: str = "ctc",
    lm: bool = True,
    **overrides: object,
) -> pl.LabelOptions:
    decode = tmp_path / "decode.yaml"
    decode.write_text(f"beam_size: 3\nlm_weight: {LM_WEIGHT}\npenalty: 0.5\n")
    kwargs: Dict[str, object] = dict(
        asr_train_config=models[teacher][0],
        asr_model_file=models[teacher][1],
        batch_seconds=2.0,
        decode_config=str(decode),
    )
    if lm:
        kwargs.update(lm_train_config=models["lm"][0], lm_file=models["lm"][1])
    kwargs.update(overrides)
    return pl.LabelOptions(**kwargs)  # type: ignore[arg-type]


def _table(path: Path) -> Dict[str, str]:
    rows = (line.split(maxsplit=1) for line in path.read_text().splitlines())
    return {r[0]: (r[1] if len(r) > 1 else "") for r in rows}


def test_ctc_beam_with_lm_gives_both_confidences_and_filters_on_the_fused_one(
    models: Dict[str, Tuple[str, str]], unlabeled: Path, tmp_path: Path
) -> None:
    fused_dir, posterior_dir = tmp_path / "fused", tmp_path / "posterior"
    pl.pseudo_label(unlabeled, fused_dir, _options(models, tmp_path), nj=2)
    pl.pseudo_label(
        unlabeled,
        posterior_dir,
        _options(models, tmp_path, confidence="posterior"),
        nj=1,
    )
    utts = sorted(_table(unlabeled / "wav.scp"))
    for out in (fused_dir, posterior_dir):
        for name in PSEUDO_FILES:
            assert sorted(_table(out / name)) == utts, (out, name)
        assert all(0.0 <= float(c) <= 1.0 for c in _table(out / "confidence").values())
    assert _table(fused_dir / "text") == _table(posterior_dir / "text")  # same 1-best
    fused = {u: float(c) for u, c in _table(fused_dir / "confidence").items()}
    posterior = {u: float(c) for u, c in _table(posterior_dir / "confidence").items()}
    num_tokens = {u: int(n) for u, n in _table(fused_dir / "num_tokens").items()}
    assert sum(n > 0 for n in num_tokens.values()) >= 4, num_tokens
    for utt in utts:  # the LM's log probability only lowers the fused score
        assert fused[utt] <= posterior[utt] + 1e-6
        assert (num_tokens[utt] == 0) == (fused[utt] == 0.0)
    assert any(fused[u] < posterior[u] - 1e-4 for u in utts if num_tokens[u])

    # the exact formula, against ESPnet's own hypothesis
    teacher = pl.Teacher(_options(models, tmp_path))
    wave = soundfile.read(_table(unlabeled / "wav.scp")[utts[-1]], dtype="float32")[0]
    _, n, confidence = teacher.label_beam(wave)
    hyp = teacher._beam(wave)[0][3]
    assert set(hyp.scores) == {"ctc", "lm", "length_bonus"}
    expected = math.exp(
        (float(hyp.scores["ctc"]) + LM_WEIGHT * float(hyp.scores["lm"])) / (n + 1)
    )
    assert n > 0 and confidence == pytest.approx(expected, rel=1e-5)

    # top-P% filtering keeps the best fused scores
    rule = FilterRule(
        keep_top_percent=50.0, min_tokens_per_sec=0.0, max_tokens_per_sec=1e6
    )
    try:
        filter_pseudo_dir(fused_dir, tmp_path / "kept", rule)
    except RuntimeError:
        pytest.fail("nothing kept")
    kept = set(_table(tmp_path / "kept" / "text"))
    sane = [u for u in utts if num_tokens[u] > 0]
    assert len(kept) == math.floor(len(sane) / 2)
    dropped = [u for u in sane if u not in kept]
    assert min(fused[u] for u in kept) >= max(fused[u] for u in dropped)


def test_rnnt_beam_with_lm_subtracts_the_lm_for_the_posterior(
    models: Dict[str, Tuple[str, str]], unlabeled: Path, tmp_path: Path
) -> None:
    fused_dir, posterior_dir = tmp_path / "fused", tmp_path / "posterior"
    pl.pseudo_label(unlabeled, fused_dir, _options(models, tmp_path, "rnnt"))
    pl.pseudo_label(
        unlabeled,
        posterior_dir,
        _options(models, tmp_path, "rnnt", confidence="posterior"),
    )
    assert _table(fused_dir / "text") == _table(posterior_dir / "text")
    fused = {u: float(c) for u, c in _table(fused_dir / "confidence").items()}
    posterior = {u: float(c) for u, c in _table(posterior_dir / "confidence").items()}
    assert all(0.0 <= c <= 1.0 for c in [*fused.values(), *posterior.values()])
    assert all(fused[u] <= posterior[u] + 1e-6 for u in fused)
    assert any(fused[u] < posterior[u] - 1e-4 for u in fused)

    teacher = pl.Teacher(_options(models, tmp_path, "rnnt", confidence="posterior"))
    search = teacher._beam.beam_search_transducer
    wave = soundfile.read(
        sorted(_table(unlabeled / "wav.scp").values())[-1], dtype="float32"
    )[0]
    _, n, confidence = teacher.label_beam(wave)
    hyp = teacher._beam(wave)[0][3]
    lm = lm_token_log_prob(search.lm, search.sos, hyp.yseq[1:])
    assert n == len(hyp.yseq) - 1 > 0 and lm < 0
    expected = math.exp((float(hyp.score) - LM_WEIGHT * lm) / (n + 1))
    assert confidence == pytest.approx(expected, rel=1e-5)


def test_greedy_default_is_unchanged_and_beam_settings_are_in_the_spec(
    models: Dict[str, Tuple[str, str]], unlabeled: Path, tmp_path: Path
) -> None:
    greedy = pl.LabelOptions(
        asr_train_config=models["ctc"][0], asr_model_file=models["ctc"][1]
    )
    assert not greedy.uses_beam and greedy.confidence_kind == "posterior"
    assert pl.beam_spec(greedy) == {}
    beam = _options(models, tmp_path)
    assert beam.confidence_kind == "fused"
    spec = pl.beam_spec(beam)
    assert spec["confidence"] == "fused" and spec["lm_file"] == models["lm"][1]
    assert spec["decode_conf"] == {
        "beam_size": 3,
        "lm_weight": LM_WEIGHT,
        "penalty": 0.5,
    }
    with pytest.raises(ValueError, match="beam"):
        pl.LabelOptions(asr_train_config="c", asr_model_file="m", confidence="fused")
    with pytest.raises(ValueError, match="together"):
        pl.LabelOptions(asr_train_config="c", asr_model_file="m", lm_file="lm.pth")
