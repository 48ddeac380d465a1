"""The batched LM-fused CTC beam search against ESPnet's per-utterance search: a tiny random CTC
model and a tiny random LSTM LM, utterances of different lengths searched together; every
utterance's n-best token sequences and scores must equal ESPnet's."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
import torch

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from espnet2.tasks.lm import LMTask  # noqa: E402
from espnet.nets.batch_beam_search import BatchBeamSearch  # noqa: E402
from espnet.nets.scorers.ctc import CTCPrefixScorer  # noqa: E402
from espnet.nets.scorers.length_bonus import LengthBonus  # noqa: E402

from bigssl.asr.batch_beam import UtteranceBatchBeamSearch  # noqa: E402
from bigssl.asr.decode import load_speech2text  # noqa: E402
from bigssl.asr.task import BigSSLASRTask  # noqa: E402
from bigssl.nst import pseudo_label as pl  # noqa: E402
from tests.asr.asr_helpers import tiny_asr_args  # noqa: E402
from tests.conftest import save_exp, write_wav_dir  # noqa: E402

TOKENS = ["<blank>", "<unk>", "a", "b", "c", "d", "e", "f", "g", "<sos/eos>"]
LENGTHS = [2400, 9000, 4100, 12800, 3300, 6400, 16000, 5000]  # samples at 16 kHz


@pytest.fixture(scope="module")
def exps(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Tuple[Path, Path]]:
    """A tiny random CTC model (blank a little ahead) and a tiny random LSTM LM."""
    root = tmp_path_factory.mktemp("batch_beam")
    args = tiny_asr_args(TOKENS, transducer=False)
    torch.manual_seed(0)
    model = BigSSLASRTask.build_model(args)
    with torch.no_grad():
        model.ctc.ctc_lo.weight.mul_(
            4.0
        )  # peakier posteriors: hypotheses of several tokens
        model.ctc.ctc_lo.bias[0] += 1.0
    lm_args = LMTask.get_parser().parse_args(["--output_dir", "u", "--token_list", "u"])
    lm_args.token_list, lm_args.token_type = list(TOKENS), "char"
    lm_args.lm, lm_args.lm_conf = "seq_rnn", {"unit": 16, "nlayers": 1}
    torch.manual_seed(1)
    lm = LMTask.build_model(lm_args)
    return {
        "asr": save_exp(args, model, root / "asr"),
        "lm": save_exp(lm_args, lm, root / "lm"),
    }


def _waves() -> List[np.ndarray]:
    rng = np.random.default_rng(5)
    return [rng.standard_normal(n).astype(np.float32) * 0.3 for n in LENGTHS]


def _speech2text(exps: Dict[str, Tuple[Path, Path]], **conf: object):  # type: ignore[no-untyped-def]
    lm_config, lm_file = exps["lm"]
    options = {"lm_train_config": str(lm_config), "lm_file": str(lm_file)}
    options.update({"beam_size": 4, "ctc_weight": 1.0, "lm_weight": 0.7})
    options.update(conf)
    return load_speech2text(*exps["asr"], options)


def _encode(s2t, waves: List[np.ndarray]) -> List[torch.Tensor]:  # type: ignore[no-untyped-def]
    with torch.no_grad():
        encs = []
        for wave in waves:
            speech = torch.tensor(wave).unsqueeze(0)
            lengths = torch.tensor([speech.size(1)])
            encs.append(s2t.asr_model.encode(speech, lengths)[0][0])
    return encs


def _data_dir_and_decode_config(tmp_path: Path) -> Tuple[Path, Path]:
    """A data dir of :func:`_waves` and a decode config (beam 4, CTC + LM 0.7)."""
    waves = {f"spk{i % 2}-u{i}": w for i, w in enumerate(_waves())}
    data = write_wav_dir(tmp_path / "data", tmp_path / "wav", waves)
    decode_config = tmp_path / "decode.yaml"
    decode_config.write_text("beam_size: 4\nctc_weight: 1.0\nlm_weight: 0.7\n")
    return data, decode_config


def _assert_same_nbest(reference: List, batched: List) -> None:  # type: ignore[type-arg]
    assert len(batched) == len(reference)
    for ref, hyp in zip(reference, batched):
        assert hyp.yseq.tolist() == ref.yseq.tolist()
        assert float(hyp.score) == pytest.approx(float(ref.score), abs=1e-5)
        for name, value in ref.scores.items():
            assert float(hyp.scores[name]) == pytest.approx(float(value), abs=1e-5)


@pytest.mark.parametrize(
    "conf",
    [
        {},  # beam 4, LM 0.7, end detection
        {"beam_size": 1},
        {"beam_size": 6, "penalty": 0.5},  # a length bonus among the full scorers
        {"maxlenratio": -3.0},  # every hypothesis stopped at 3 tokens (<eos> appended)
        {"minlenratio": 0.05, "beam_size": 3},
    ],
    ids=["beam4", "beam1", "beam6_penalty", "maxlen3", "minlen"],
)
def test_batched_search_equals_espnet_per_utterance(
    exps: Dict[str, Tuple[Path, Path]], conf: Dict[str, object]
) -> None:
    s2t = _speech2text(exps, **conf)
    encs = _encode(s2t, _waves())
    reference = [
        s2t.beam_search(x=enc, maxlenratio=s2t.maxlenratio, minlenratio=s2t.minlenratio)
        for enc in encs
    ]
    assert any(
        len(nbest[0].yseq) > 3 for nbest in reference
    )  # real searches, not empty
    batched = UtteranceBatchBeamSearch(
        s2t.beam_search, s2t.maxlenratio, s2t.minlenratio
    )
    results = batched(encs)
    for ref, got in zip(reference, results):
        _assert_same_nbest(ref, got)


def test_pre_beam_path_equals_espnet(exps: Dict[str, Tuple[Path, Path]]) -> None:
    """A pre-beam on the full scores (CTC scored on the top 1.5 x beam tokens only)."""
    s2t = _speech2text(exps)
    ctc = s2t.asr_model.ctc
    eos = s2t.asr_model.eos
    scorers = {
        "ctc": CTCPrefixScorer(ctc, eos),
        "lm": s2t.beam_search.full_scorers["lm"],
    }
    scorers["length_bonus"] = LengthBonus(len(TOKENS))
    search = BatchBeamSearch(
        scorers=scorers, weights={"ctc": 1.0, "lm": 0.5, "length_bonus": 0.2},
        beam_size=4, vocab_size=len(TOKENS), sos=eos, eos=eos, pre_beam_score_key="full",
    )  # fmt: skip
    assert search.do_pre_beam
    encs = _encode(s2t, _waves())
    reference = [search(x=enc, maxlenratio=0.0, minlenratio=0.0) for enc in encs]
    results = UtteranceBatchBeamSearch(search)(encs)
    for ref, got in zip(reference, results):
        _assert_same_nbest(ref, got)


def test_unsupported_scorers_are_refused(exps: Dict[str, Tuple[Path, Path]]) -> None:
    s2t = _speech2text(exps)
    search = BatchBeamSearch(
        scorers={"lm": s2t.beam_search.full_scorers["lm"]}, weights={"lm": 1.0},
        beam_size=2, vocab_size=len(TOKENS), sos=9, eos=9,
    )  # fmt: skip
    with pytest.raises(ValueError, match="one partial scorer, CTC"):
        UtteranceBatchBeamSearch(search)


def test_pseudo_labels_batched_equal_per_utterance(
    exps: Dict[str, Tuple[Path, Path]], tmp_path: Path
) -> None:
    """pseudo_label's beam path, batched (default) and one utterance at a time: same files."""
    data, decode = _data_dir_and_decode_config(tmp_path)
    outputs = {}
    for beam_batch in (True, False):
        out = tmp_path / f"pl_{beam_batch}"
        options = pl.LabelOptions(
            asr_train_config=str(exps["asr"][0]), asr_model_file=str(exps["asr"][1]),
            batch_seconds=3.0, decode_config=str(decode), lm_train_config=str(exps["lm"][0]),
            lm_file=str(exps["lm"][1]), beam_batch=beam_batch,
        )  # fmt: skip
        pl.pseudo_label(data, out, options, nj=1)
        outputs[beam_batch] = {
            name: (out / name).read_text() for name in pl.PER_UTT_FILES
        }
    assert outputs[True] == outputs[False]
    assert len(set(outputs[True]["text"].splitlines())) == len(LENGTHS)


def test_decode_batched_equals_one_by_one(
    exps: Dict[str, Tuple[Path, Path]], tmp_path: Path
) -> None:
    """bigssl.asr.decode's batched path (CTC + LM) writes the per-utterance path's text file."""
    from bigssl.asr.decode import decode

    data, decode_config = _data_dir_and_decode_config(tmp_path)
    texts = {}
    for batch_seconds in (0.0, 2.0, 60.0):
        out = tmp_path / f"dec_{batch_seconds}"
        out.mkdir()
        figures = decode(
            *exps["asr"], data, out, decode_config, "cpu", *exps["lm"],
            batch_seconds=batch_seconds,
        )  # fmt: skip
        assert figures["batch_seconds"] == batch_seconds
        texts[batch_seconds] = (out / "text").read_text()
    assert texts[2.0] == texts[0.0] and texts[60.0] == texts[0.0]
    assert len(set(line.split(" ", 1)[-1] for line in texts[0.0].splitlines())) > 2
