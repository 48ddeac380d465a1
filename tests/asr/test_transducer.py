"""RNN-T fine-tuning (model: bigssl_transducer): torchaudio loss, model build, greedy/beam decoding."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Tuple

import numpy as np
import pytest
import torch

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from bigssl.asr.decode import encode  # noqa: E402
from bigssl.asr.rnnt_decode import greedy_decode_batch  # noqa: E402
from bigssl.asr.task import BigSSLASRTask  # noqa: E402
from bigssl.asr.transducer import (  # noqa: E402
    BigSSLTransducerModel,
    TorchaudioRNNTLoss,
)
from tests.asr.asr_helpers import TINY_ENCODER  # noqa: E402
from tests.conftest import save_exp  # noqa: E402

TOKENS = ["<blank>", "<unk>", "a", "b", "c", "d", "e", "<sos/eos>"]


def reference_rnnt_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    t_len: torch.Tensor,
    u_len: torch.Tensor,
    blank: int = 0,
) -> torch.Tensor:
    """Forward algorithm over the T x (U+1) lattice in log space; batch mean of -log p(y|x)."""
    losses = []
    for b in range(logits.size(0)):
        T, U = int(t_len[b]), int(u_len[b])
        logp = torch.log_softmax(logits[b, :T, : U + 1], dim=-1)
        y = targets[b, :U].long()
        alpha = [[None] * (U + 1) for _ in range(T)]
        for t in range(T):
            for u in range(U + 1):
                terms = []
                if t == 0 and u == 0:
                    terms.append(logits.new_zeros(()))
                if t > 0:
                    terms.append(alpha[t - 1][u] + logp[t - 1, u, blank])
                if u > 0:
                    terms.append(alpha[t][u - 1] + logp[t, u - 1, y[u - 1]])
                alpha[t][u] = torch.logsumexp(torch.stack(terms), dim=0)
        losses.append(-(alpha[T - 1][U] + logp[T - 1, U, blank]))
    return torch.stack(losses).mean()


def test_loss_values_and_gradients_match_reference() -> None:
    torch.manual_seed(0)
    t_len, u_len = torch.tensor([7, 4, 6], dtype=torch.int32), torch.tensor(
        [3, 1, 0], dtype=torch.int32
    )
    vocab = 5
    # One frame and one label step of padding beyond the longest lengths: the wrapper trims them.
    logits = torch.randn(3, 8, 5, vocab, dtype=torch.float32, requires_grad=True)
    targets = torch.randint(1, vocab, (3, 4), dtype=torch.int32)
    ours = TorchaudioRNNTLoss(blank=0)(logits, targets, t_len, u_len)
    (grad_ours,) = torch.autograd.grad(ours, logits)
    ref = reference_rnnt_loss(logits, targets, t_len, u_len)
    (grad_ref,) = torch.autograd.grad(ref, logits)
    assert torch.allclose(ours, ref, atol=1e-4), (float(ours), float(ref))
    assert torch.allclose(grad_ours, grad_ref, atol=1e-5)
    assert float(grad_ours[1, 4:].abs().sum()) == 0.0  # nothing flows to padded frames


def test_loss_with_nonzero_blank_matches_reference() -> None:
    torch.manual_seed(1)
    logits = torch.randn(2, 5, 3, 4, requires_grad=True)
    targets = torch.tensor([[0, 1], [2, 0]], dtype=torch.int32)
    t_len, u_len = torch.tensor([5, 3], dtype=torch.int32), torch.tensor(
        [2, 1], dtype=torch.int32
    )
    ours = TorchaudioRNNTLoss(blank=3)(logits, targets, t_len, u_len)
    ref = reference_rnnt_loss(logits, targets, t_len, u_len, blank=3)
    assert torch.allclose(ours, ref, atol=1e-4)


def _args(**overrides: object) -> argparse.Namespace:
    parser = BigSSLASRTask.get_parser()
    args = parser.parse_args(
        [
            "--output_dir",
            "unused",
            "--token_list",
            "unused",
            "--model",
            "bigssl_transducer",
        ]
    )
    args.token_list = list(TOKENS)
    args.token_type = "char"
    args.frontend_conf = {"n_fft": 128, "hop_length": 64, "n_mels": 20}
    args.encoder, args.encoder_conf = "conformer", dict(TINY_ENCODER)
    args.decoder, args.decoder_conf = "transducer", {
        "rnn_type": "lstm",
        "num_layers": 1,
        "hidden_size": 24,
    }
    args.joint_net_conf = {"joint_space_size": 16}
    args.model_conf = {"ctc_weight": 0.3, "report_cer": False, "report_wer": False}
    args.specaug, args.normalize = None, None
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


@pytest.fixture(scope="module")
def model() -> BigSSLTransducerModel:
    torch.manual_seed(0)
    built = BigSSLASRTask.build_model(_args())
    # Random weights: give blank a head start so hypotheses mix blanks and tokens.
    with torch.no_grad():
        built.joint_network.lin_out.bias[0] += 0.7
    return built.eval()


def test_model_builds_without_warprnnt_and_trains(model: BigSSLTransducerModel) -> None:
    assert isinstance(model, BigSSLTransducerModel) and model.use_transducer_decoder
    assert isinstance(model.criterion_transducer, TorchaudioRNNTLoss)
    assert "warprnnt_pytorch" not in sys.modules
    assert not hasattr(model, "criterion_att")
    assert {k.split(".")[0] for k in model.state_dict()} == {
        "frontend",
        "encoder",
        "decoder",
        "joint_network",
        "ctc",
    }
    model.train()
    try:
        torch.manual_seed(0)
        loss, stats, _ = model(
            speech=torch.randn(2, 4000),
            speech_lengths=torch.tensor([4000, 3000]),
            text=torch.tensor([[2, 3, 4], [3, 4, -1]]),
            text_lengths=torch.tensor([3, 2]),
        )
        assert torch.isfinite(loss)
        assert torch.allclose(loss, stats["loss_transducer"] + 0.3 * stats["loss_ctc"])
        model.zero_grad()
        loss.backward()
        for part in (model.decoder, model.joint_network, model.encoder, model.ctc):
            assert any(
                p.grad is not None and p.grad.abs().sum() > 0 for p in part.parameters()
            )
    finally:
        model.zero_grad()
        model.eval()
    with torch.no_grad():
        _, stats, _ = model(
            speech=torch.randn(2, 4000),
            speech_lengths=torch.tensor([4000, 3000]),
            text=torch.tensor([[2, 3, 4], [3, 4, -1]]),
            text_lengths=torch.tensor([3, 2]),
        )
    assert stats["cer_ctc"] is not None and stats["cer_transducer"] is None


def test_ctc_configs_still_build_the_stock_model() -> None:
    from espnet2.asr.espnet_model import ESPnetASRModel

    args = _args(
        model="espnet",
        decoder=None,
        decoder_conf={},
        joint_net_conf=None,
        model_conf={"ctc_weight": 1.0},
    )
    built = BigSSLASRTask.build_model(args)
    assert type(built) is ESPnetASRModel


def reference_greedy(
    model: BigSSLTransducerModel, enc: torch.Tensor, max_symbols: int
) -> List[int]:
    """Unbatched greedy decoding of one utterance (T, D)."""
    decoder, joint = model.decoder, model.joint_network
    label = torch.tensor([[model.blank_id]])
    dec_out, state = decoder.rnn_forward(decoder.embed(label), decoder.init_state(1))
    out: List[int] = []
    for t in range(enc.size(0)):
        for _ in range(max_symbols):
            k = int(joint(enc[t], dec_out[0, 0]).argmax())
            if k == model.blank_id:
                break
            out.append(k)
            dec_out, state = decoder.rnn_forward(
                decoder.embed(torch.tensor([[k]])), state
            )
    return out


def _encoder_batch(model: BigSSLTransducerModel) -> Tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(3)
    lengths = torch.tensor([6400, 3000, 5000, 1600])
    speech = torch.randn(4, 6400)
    with torch.no_grad():
        return encode(model, speech, lengths)


@torch.no_grad()
def test_batched_greedy_equals_unbatched_reference_and_espnet_beam1(
    model: BigSSLTransducerModel,
) -> None:
    from espnet2.asr.transducer.beam_search_transducer import BeamSearchTransducer

    enc, lens = _encoder_batch(model)
    assert len(set(lens.tolist())) == 4
    espnet_greedy = BeamSearchTransducer(
        decoder=model.decoder, joint_network=model.joint_network, beam_size=1
    )
    emitted = 0
    for max_symbols in (1, 5):
        batched = greedy_decode_batch(
            model, enc, lens, max_symbols_per_frame=max_symbols
        )
        for b, (tokens, probs) in enumerate(batched):
            one = enc[b, : lens[b]]
            assert tokens == reference_greedy(model, one, max_symbols), (max_symbols, b)
            assert len(probs) == len(tokens) and all(0.0 < p <= 1.0 for p in probs)
            assert model.blank_id not in tokens
            emitted += len(tokens)
            if max_symbols == 1:
                assert tokens == espnet_greedy(one)[0].yseq[1:]
    assert 0 < emitted  # the random model does emit tokens
    # A posterior is the softmax of the joint output at the emitting step: check the first token,
    # emitted at the first frame whose arg-max (with the start state) is not blank.
    tokens, probs = greedy_decode_batch(
        model, enc[:1], lens[:1], max_symbols_per_frame=1
    )[0]
    decoder = model.decoder
    dec_out, _ = decoder.rnn_forward(
        decoder.embed(torch.tensor([[model.blank_id]])), decoder.init_state(1)
    )
    posteriors = torch.softmax(
        model.joint_network(enc[0, : lens[0]], dec_out[0]), dim=-1
    )  # (T, V)
    first = int((posteriors.argmax(-1) != model.blank_id).nonzero()[0])
    assert tokens[0] == int(posteriors[first].argmax())
    assert probs[0] == pytest.approx(float(posteriors[first].max()), rel=1e-5)


def _saved(model: BigSSLTransducerModel, tmp_path: Path) -> Tuple[Path, Path]:
    """``model`` as a recipe leaves it: its config.yaml (``_args()``) and its state dict."""
    return save_exp(_args(), model, tmp_path)


def test_saved_model_decodes_through_load_speech2text(
    model: BigSSLTransducerModel, tmp_path: Path
) -> None:
    from espnet2.bin.asr_inference import Speech2Text

    from bigssl.asr.decode import load_speech2text

    config, model_file = _saved(model, tmp_path)
    speech2text = load_speech2text(config, model_file, {"beam_size": 2, "nbest": 1})
    assert isinstance(speech2text.asr_model, BigSSLTransducerModel)
    assert speech2text.beam_search_transducer is not None
    torch.manual_seed(5)
    results = speech2text(np.random.randn(4800).astype(np.float32))
    text, tokens, token_ids, _ = results[0]
    assert isinstance(text, str) and all(0 < i < len(TOKENS) for i in token_ids)
    # stock Speech2Text builds it too (the model name is registered into ESPnet's own choices), and
    # beam 1 (ESPnet's greedy) gives the batched greedy decoder's tokens
    greedy = Speech2Text(
        asr_train_config=str(config), asr_model_file=str(model_file), beam_size=1
    )
    assert isinstance(greedy.asr_model, BigSSLTransducerModel)
    speech = torch.from_numpy(np.random.randn(4800).astype(np.float32))
    ids = greedy(speech.numpy())[0][2]
    with torch.no_grad():
        enc, lens = encode(greedy.asr_model, speech[None], torch.tensor([4800]))
    assert (
        ids
        == greedy_decode_batch(greedy.asr_model, enc, lens, max_symbols_per_frame=1)[0][
            0
        ]
    )


def test_rnnt_teacher_pseudo_labels_with_confidence(
    model: BigSSLTransducerModel, tmp_path: Path
) -> None:
    """bigssl.nst's Teacher labels a batch with an RNN-T model: greedy text, token count, confidence in [0, 1]."""
    from bigssl.nst.pseudo_label import LabelOptions, Teacher

    config, model_file = _saved(model, tmp_path)
    teacher = Teacher(
        LabelOptions(asr_train_config=str(config), asr_model_file=str(model_file))
    )
    assert teacher.is_transducer
    rng = np.random.default_rng(3)
    waves = [rng.standard_normal(n).astype(np.float32) for n in (4800, 3200, 6400)]
    rows = teacher.label_batch(waves)
    assert len(rows) == 3
    for (text, num_tokens, confidence), wave in zip(rows, waves):
        assert 0.0 <= confidence <= 1.0
        assert (num_tokens == 0) == (text == "") and (num_tokens == 0) == (
            confidence == 0.0
        )
    # batching barely changes an utterance's result (ESPnet's conformer convolution sees padding at the edges)
    alone = teacher.label_batch(waves[1:2])[0]
    assert alone[0] == rows[1][0] and alone[2] == pytest.approx(rows[1][2], abs=5e-3)
