"""The pretraining model: encoder split, gradients, targets, guards, and ASR-loadable weights."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import torch
from espnet2.asr.ctc import CTC
from espnet2.asr.encoder.conformer_encoder import ConformerEncoder
from espnet2.asr.encoder.transformer_encoder import TransformerEncoder
from espnet2.asr.espnet_model import ESPnetASRModel
from espnet2.asr.frontend.default import DefaultFrontend
from espnet2.torch_utils.load_pretrained_model import load_pretrained_model
from ssl_helpers import SSL_CONF, TINY_ENCODER_CONF, tiny_model

from bigssl.ssl.encoder_io import contextualize, subsample
from bigssl.ssl.targets import GumbelQuantizer
from bigssl.ssl.task import BigSSLTask
from bigssl.training.guards import NonFiniteLossError


def _feats(batch: int = 3, frames: int = 120, dim: int = 16):
    lengths = torch.linspace(frames, frames // 2, batch).long()
    return torch.randn(batch, frames, dim), lengths


@pytest.mark.parametrize(
    "encoder",
    [
        lambda: ConformerEncoder(16, **TINY_ENCODER_CONF),
        lambda: ConformerEncoder(16, **dict(TINY_ENCODER_CONF, input_layer="linear")),
        lambda: ConformerEncoder(
            16,
            output_size=32,
            attention_heads=2,
            linear_units=64,
            num_blocks=2,
            cnn_module_kernel=5,
        ),  # legacy rel-pos default
        lambda: TransformerEncoder(
            16,
            output_size=32,
            attention_heads=2,
            linear_units=64,
            num_blocks=2,
            input_layer="conv2d",
        ),
    ],
)
def test_split_encoder_reproduces_stock_forward(encoder) -> None:
    enc = encoder().eval()
    feats, lengths = _feats()
    with torch.no_grad():
        expected, expected_lengths, _ = enc(feats, lengths)
        z, masks = subsample(enc, feats, lengths)
        got = contextualize(enc, z, masks)
    assert torch.equal(masks[:, 0].sum(1), expected_lengths)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("quantize", [False, True])
def test_gradients_reach_the_encoder(quantize: bool) -> None:
    target = (
        (lambda d: GumbelQuantizer(d, 16, num_groups=2, num_codes=8))
        if quantize
        else None
    )
    model = tiny_model(**({"target": target} if target else {}))
    feats, lengths = _feats()
    loss, stats, weight = model(feats, lengths)
    loss.backward()
    for name, param in model.encoder.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
        assert param.grad.abs().sum() > 0, name
    assert model.masking.embedding.grad.abs().sum() > 0
    for name, param in model.target.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name
    _, masks = subsample(model.encoder, feats, lengths)
    masked_frames = stats["mask_frac"].item() * masks.sum().item()
    assert int(weight) == round(
        masked_frames
    )  # weight = number of scored masked frames
    assert model.num_steps.item() == 1
    expected = {"loss", "loss_contrastive", "acc", "mask_frac"}
    if quantize:
        expected |= {
            "loss_diversity",
            "code_ppl",
            "prob_ppl",
            "code_usage",
            "gumbel_temp",
        }
    assert expected <= set(stats)


def test_eval_forward_does_not_count_steps_and_quantizer_is_deterministic() -> None:
    quantizer = GumbelQuantizer(32, 16, num_groups=2, num_codes=8)
    z, valid = torch.randn(2, 20, 32), torch.ones(2, 20, dtype=torch.bool)
    quantizer.eval()
    assert torch.equal(quantizer(z, valid).targets, quantizer(z, valid).targets)
    quantizer.train()
    assert not torch.equal(
        quantizer(z, valid, step=0).targets, quantizer(z, valid).targets
    )
    model = tiny_model().eval()
    model(*_feats())
    assert model.num_steps.item() == 0


def test_quantizer_stats_and_temperature() -> None:
    quantizer = GumbelQuantizer(
        32, 16, num_groups=2, num_codes=8, temperature=(2.0, 0.5, 0.99)
    )
    assert quantizer.current_temperature(0) == 2.0
    assert quantizer.current_temperature(10_000) == 0.5
    out = quantizer(
        torch.randn(4, 50, 32), torch.ones(4, 50, dtype=torch.bool), step=10
    )
    assert 0.0 <= out.stats["loss_diversity"].item() <= 1.0
    assert 0.0 < out.stats["code_ppl"].item() <= 16.0
    assert out.stats["gumbel_temp"].item() == pytest.approx(2.0 * 0.99**10)
    assert out.aux_loss.item() == pytest.approx(
        0.1 * out.stats["loss_diversity"].item()
    )


@pytest.mark.parametrize("spread", [True, False])
def test_code_perplexity_counts_the_codes_the_frames_use(spread: bool) -> None:
    """Frames steered to codes by their input: every code used equally gives the perplexity
    G x V = 16 and diversity near 0; every frame on one code per group gives G = 2 and diversity
    (16 - 2) / 16."""
    groups, codes, frames = 2, 8, 64
    quantizer = GumbelQuantizer(32, 16, num_groups=groups, num_codes=codes).eval()
    with torch.no_grad():  # logits = 20 x the first 16 input dims
        quantizer.logits.weight.zero_()
        quantizer.logits.weight[:, :16] = 20.0 * torch.eye(16)
    feats = torch.zeros(1, frames, 32)
    for t in range(frames):
        code = t % codes if spread else 3
        feats[0, t, code] = feats[0, t, codes + code] = 1.0  # group 0 and group 1
    out = quantizer(feats, torch.ones(1, frames, dtype=torch.bool))
    want = groups * codes if spread else groups
    assert out.stats["code_ppl"].item() == pytest.approx(want, rel=1e-5)
    diversity = (groups * codes - want) / (groups * codes)
    assert out.stats["loss_diversity"].item() == pytest.approx(diversity, abs=1e-3)


def test_code_perplexity_collapse_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    quantizer = GumbelQuantizer(
        32, 16, num_groups=2, num_codes=64, collapse_warn_interval=100
    )
    z, valid = torch.randn(4, 50, 32), torch.ones(4, 50, dtype=torch.bool)
    with caplog.at_level(logging.WARNING, logger="bigssl.ssl.targets"):
        quantizer(z, valid, step=0)
        assert "collapse" not in caplog.text  # a fresh codebook is used broadly
        with torch.no_grad():
            quantizer.logits.weight.zero_()
            quantizer.logits.bias.zero_()
            quantizer.logits.bias[0::64] = (
                100.0  # every frame picks code 0 of each group
            )
        out = quantizer(z, valid, step=1)
        assert out.stats["code_ppl"].item() == pytest.approx(2.0, abs=1e-3)
        assert "codebook collapse at training step 1" in caplog.text
        caplog.clear()
        quantizer(z, valid, step=50)  # rate-limited
        assert "collapse" not in caplog.text
        quantizer(z, valid, step=101)
        assert "codebook collapse at training step 101" in caplog.text


def test_nonfinite_loss_stops_with_step_and_checkpoint(tmp_path: Path) -> None:
    model = tiny_model()
    feats, lengths = _feats()
    model(feats, lengths)
    model(feats, lengths)
    (tmp_path / "checkpoint.pth").write_bytes(b"")
    (tmp_path / "3epoch.pth").write_bytes(b"")
    os.symlink("3epoch.pth", tmp_path / "latest.pth")
    model.output_dir = tmp_path
    with torch.no_grad():
        model.encoder.after_norm.weight.fill_(float("nan"))
    with pytest.raises(NonFiniteLossError) as err:
        model(feats, lengths)
    message = str(err.value)
    assert "non-finite loss at training step 2" in message
    assert str(tmp_path / "checkpoint.pth") in message and "epoch 3" in message
    assert err.value.step == 2
    model.check_finite = False
    loss, _, _ = model(feats, lengths)
    assert not torch.isfinite(loss).all()


def _mini_args(extra: list[str] | None = None):
    parser = BigSSLTask.get_parser()
    return parser.parse_args(
        ["--config", str(SSL_CONF / "pretrain_tiny.yaml"), "--output_dir", "unused"]
        + (extra or [])
    )


def test_encoder_weights_load_into_stock_espnet_encoder_and_asr_model(
    tmp_path: Path,
) -> None:
    args = _mini_args()
    model = BigSSLTask.build_model(args).eval()
    pth = tmp_path / "10epoch.pth"
    torch.save(model.state_dict(), pth)  # what ESPnet's trainer writes

    state = torch.load(pth)
    encoder_state = {
        k[len("encoder.") :]: v for k, v in state.items() if k.startswith("encoder.")
    }
    fresh = ConformerEncoder(input_size=80, **args.encoder_conf).eval()
    fresh.load_state_dict(encoder_state, strict=True)

    speech, speech_lengths = torch.randn(2, 16000), torch.tensor([16000, 12000])
    with torch.no_grad():
        expected, expected_lengths = model.encode(speech, speech_lengths)
        feats, feats_lengths = model.frontend(speech, speech_lengths)
        feats, feats_lengths = model.normalize(feats, feats_lengths)
        got, got_lengths, _ = fresh(feats, feats_lengths)
    torch.testing.assert_close(got, expected)
    assert torch.equal(got_lengths, expected_lengths)

    # The fine-tuning path: ESPnet's --init_param <pth>:encoder:encoder into an ASR model.
    tokens = ["<blank>", "<unk>", "a", "b", "<sos/eos>"]
    asr = ESPnetASRModel(
        vocab_size=len(tokens),
        token_list=tokens,
        frontend=DefaultFrontend(**args.frontend_conf),
        specaug=None,
        normalize=None,
        preencoder=None,
        encoder=ConformerEncoder(input_size=80, **args.encoder_conf),
        postencoder=None,
        decoder=None,
        ctc=CTC(len(tokens), 144),
        joint_network=None,
        ctc_weight=1.0,
    )
    load_pretrained_model(f"{pth}:encoder:encoder", asr, ignore_init_mismatch=False)
    asr_state = asr.encoder.state_dict()
    assert set(asr_state) == set(encoder_state)
    for key, value in encoder_state.items():
        assert torch.equal(asr_state[key], value), key
