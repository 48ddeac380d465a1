"""Shallow fusion with an ESPnet LM through bigssl.asr.decode: CTC (BeamSearch with CTC prefix
scoring + LM) and RNN-T (BeamSearchTransducer), with a tiny random ASR model and a tiny LM whose
output layer is set by hand to favour one token, so the LM's effect on the hypothesis is certain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import pytest
import soundfile
import torch

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from espnet2.tasks.lm import LMTask  # noqa: E402

from bigssl.asr.decode import decode, decode_options, load_speech2text  # noqa: E402
from bigssl.asr.task import BigSSLASRTask  # noqa: E402
from tests.asr.asr_helpers import tiny_asr_args  # noqa: E402
from tests.conftest import save_exp  # noqa: E402

TOKENS = ["<blank>", "<unk>", "a", "b", "c", "d", "e", "<sos/eos>"]
FAVOURED = "c"


def _asr(out: Path, transducer: bool) -> Tuple[Path, Path]:
    """A tiny random CTC (``model: espnet``) or RNN-T (``model: bigssl_transducer``) experiment."""
    args = tiny_asr_args(TOKENS, transducer)
    torch.manual_seed(0)
    model = BigSSLASRTask.build_model(args)
    with (
        torch.no_grad()
    ):  # blank a little ahead: random hypotheses mix blanks and tokens
        if transducer:
            model.joint_network.lin_out.bias[0] += 0.7
        else:
            model.ctc.ctc_lo.bias[0] += 1.0
    return save_exp(args, model, out)


def _lm(out: Path) -> Tuple[Path, Path]:
    """A tiny LSTM LM (ESPnet's LMTask) that gives FAVOURED log-prob ~0 after every prefix."""
    args = LMTask.get_parser().parse_args(
        ["--output_dir", "unused", "--token_list", "unused"]
    )
    args.token_list, args.token_type = list(TOKENS), "char"
    args.lm, args.lm_conf = "seq_rnn", {"unit": 16, "nlayers": 1}
    model = LMTask.build_model(args)
    with torch.no_grad():
        model.lm.decoder.weight.zero_()
        model.lm.decoder.bias.fill_(-10.0)
        model.lm.decoder.bias[TOKENS.index(FAVOURED)] = 0.0
        model.lm.decoder.bias[TOKENS.index("<sos/eos>")] = -3.0
    return save_exp(args, model, out)


@pytest.fixture(scope="module")
def exps(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Tuple[Path, Path]]:
    root = tmp_path_factory.mktemp("lm")
    return {
        "ctc": _asr(root / "ctc", transducer=False),
        "rnnt": _asr(root / "rnnt", transducer=True),
        "lm": _lm(root / "lm"),
    }


def _speech() -> np.ndarray:
    return np.random.default_rng(3).standard_normal(6400).astype(np.float32)


def _hyp(
    exps: Dict[str, Tuple[Path, Path]], kind: str, **conf: object
) -> Tuple[str, float]:
    speech2text = load_speech2text(*exps[kind], dict(conf))
    text, _, _, hyp = speech2text(_speech())[0]
    return text, float(hyp.score)


@pytest.mark.parametrize(
    "kind, conf",
    [
        ("ctc", {"beam_size": 4, "ctc_weight": 1.0, "nbest": 1}),
        ("rnnt", {"beam_size": 4, "nbest": 1}),
    ],
)
def test_lm_weight_steers_the_hypothesis(
    exps: Dict[str, Tuple[Path, Path]], kind: str, conf: Dict[str, object]
) -> None:
    lm = {"lm_train_config": str(exps["lm"][0]), "lm_file": str(exps["lm"][1])}
    plain, plain_score = _hyp(exps, kind, **conf)
    # attached with weight 0 the LM changes nothing; it is really scored (the beam search holds it)
    zero, zero_score = _hyp(exps, kind, **conf, **lm, lm_weight=0.0)
    assert zero == plain and zero_score == pytest.approx(plain_score, abs=1e-4)
    speech2text = load_speech2text(*exps[kind], {**conf, **lm, "lm_weight": 1.0})
    if kind == "ctc":
        assert "lm" in speech2text.beam_search.full_scorers
    else:
        assert speech2text.beam_search_transducer.use_lm
    # a heavy weight pulls the hypothesis towards the LM's favourite token
    fused, fused_score = _hyp(exps, kind, **conf, **lm, lm_weight=5.0)
    assert fused != plain and fused_score != pytest.approx(plain_score)
    assert fused.count(FAVOURED) > plain.count(FAVOURED)
    assert fused.count(FAVOURED) >= len(fused.replace(" ", "")) / 2


def test_decode_data_dir_with_lm_files(
    exps: Dict[str, Tuple[Path, Path]], tmp_path: Path
) -> None:
    """bigssl.asr.decode.decode (the CLI's call) passes the LM files and weight to Speech2Text."""
    data = tmp_path / "data"
    data.mkdir()
    soundfile.write(data / "u1.wav", _speech(), 16000)
    (data / "wav.scp").write_text(f"u1 {data / 'u1.wav'}\n")
    config = tmp_path / "decode.yaml"
    config.write_text("beam_size: 4\nctc_weight: 1.0\nlm_weight: 0.0\n")
    lm_config, lm_file = exps["lm"]
    decode(*exps["ctc"], data, tmp_path / "plain", config)
    decode(
        *exps["ctc"], data, tmp_path / "fused", config, "cpu", lm_config, lm_file, 5.0
    )
    plain = (tmp_path / "plain/text").read_text().split(maxsplit=1)[1]
    fused = (tmp_path / "fused/text").read_text().split(maxsplit=1)[1]
    assert fused.count(FAVOURED) > plain.count(FAVOURED)
    figures = json.loads((tmp_path / "fused/rtf.json").read_text())
    assert figures["lm_weight"] == 5.0 and figures["utterances"] == 1
    assert "lm_weight" not in json.loads((tmp_path / "plain/rtf.json").read_text())


def test_decode_options_merge_and_check(tmp_path: Path) -> None:
    config = tmp_path / "d.yaml"
    config.write_text("beam_size: 3\nlm_weight: 0.2\n")
    assert decode_options(config) == {"beam_size": 3, "lm_weight": 0.2}
    merged = decode_options(config, Path("c.yaml"), Path("m.pth"), 0.7)
    assert merged == {
        "beam_size": 3,
        "lm_weight": 0.7,
        "lm_train_config": "c.yaml",
        "lm_file": "m.pth",
    }
    with pytest.raises(ValueError, match="both"):
        decode_options(config, Path("c.yaml"), None)
