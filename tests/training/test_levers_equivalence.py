"""The training levers of the GPU ladder keep the arithmetic: compile scope, fused Adam, frame
padding to a multiple and channels_last subsampling (CPU checks)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest
import torch

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()

from espnet2.asr.encoder.conformer_encoder import ConformerEncoder  # noqa: E402

from bigssl.ssl.contrastive import ContrastiveLoss  # noqa: E402
from bigssl.ssl.masking import SpanMasking  # noqa: E402
from bigssl.ssl.model import Wav2Vec2PretrainModel  # noqa: E402
from bigssl.ssl.targets import LinearTarget  # noqa: E402
from bigssl.ssl.task import BigSSLTask, build_model_from_config  # noqa: E402
from bigssl.training.compile import compile_pretraining_model  # noqa: E402
from tests.ssl.ssl_helpers import TINY_ENCODER_CONF  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TINY_CONFIG = REPO / "egs" / "TEMPLATE" / "asr1" / "conf" / "ssl" / "pretrain_tiny.yaml"


def _model(use_cnn_module: bool = True) -> Wav2Vec2PretrainModel:
    conf = {**TINY_ENCODER_CONF, "cnn_module_kernel": 31}  # ESPnet's default kernel
    encoder = ConformerEncoder(16, use_cnn_module=use_cnn_module, **conf)
    return Wav2Vec2PretrainModel(
        None,
        None,
        None,
        encoder,
        SpanMasking(32, 0.2, 3),
        LinearTarget(32, 16),
        ContrastiveLoss(32, 16, 10, 0.1),
    )


def _batch(lengths=(150, 97, 61)) -> Tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(3)
    feats = torch.randn(len(lengths), max(lengths), 16, generator=gen)
    for row, length in enumerate(lengths):
        feats[row, length:] = 0.0
    return feats, torch.tensor(lengths)


def _run(
    model, feats, lengths, seed: int = 5
) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    model.zero_grad(set_to_none=True)
    torch.manual_seed(seed)
    loss = model(feats, lengths)[0]
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}


def _assert_same(a, b, atol: float = 1e-6, rtol: float = 1e-5) -> None:
    torch.testing.assert_close(b[0], a[0], atol=atol, rtol=rtol)
    for name in a[1]:
        torch.testing.assert_close(b[1][name], a[1][name], atol=atol, rtol=rtol)


@pytest.mark.parametrize("sync_free", [False, True])
def test_compile_scope_model_same_loss_gradients_and_keys(sync_free: bool) -> None:
    """--compile_scope model (aot_eager here) compiles embed, heads and loss in place: the same
    loss and gradients as eager, state_dict keys unchanged."""
    torch.manual_seed(0)
    plain = _model()
    plain.set_sync_free(sync_free)
    compiled = copy.deepcopy(plain)
    count = compile_pretraining_model(compiled, "model", backend="aot_eager")
    assert (
        count == 2 + 3 + 1 + 2
    )  # blocks, conv, linear, posenc, after_norm, target, loss
    assert compiled.loss._compiled_call_impl is not None
    assert compiled.encoder.embed.conv._compiled_call_impl is not None
    assert list(compiled.state_dict()) == list(plain.state_dict())
    feats, lengths = _batch()
    _assert_same(_run(plain, feats, lengths), _run(compiled, feats, lengths), atol=1e-5)


def test_compile_scope_option_reaches_the_model() -> None:
    model = build_model_from_config(
        TINY_CONFIG, ["--compile_encoder", "true", "--compile_scope", "model"]
    )[0]
    assert model.target._compiled_call_impl is not None
    assert all(b._compiled_call_impl is not None for b in model.encoder.encoders)


def test_fused_adam_from_optim_conf_trains_like_foreach() -> None:
    """optim_conf: {fused: true} reaches torch.optim.Adam through ESPnet's build_optimizers and
    one step gives the parameters of fused: false (CPU fused Adam, torch >= 2.4)."""
    params = []
    for fused in ("true", "false"):
        torch.manual_seed(0)
        model, args = build_model_from_config(
            TINY_CONFIG, ["--optim_conf", f"fused={fused}"]
        )
        assert args.optim_conf["lr"] == 0.002 and args.optim_conf["fused"] is (
            fused == "true"
        )
        optimizer = BigSSLTask.build_optimizers(args, model)[0]
        assert optimizer.defaults["fused"] is (fused == "true")
        torch.manual_seed(1)
        speech = torch.randn(2, 16000) * 0.1
        loss = model(speech, torch.tensor([16000, 12000]))[0]
        loss.backward()
        optimizer.step()
        params.append({n: p.detach().clone() for n, p in model.named_parameters()})
    for name in params[0]:
        torch.testing.assert_close(
            params[0][name], params[1][name], atol=1e-6, rtol=1e-5
        )


@pytest.mark.parametrize("multiple", [8, 64])
def test_pad_to_multiple_is_invisible_without_the_conv_module(multiple: int) -> None:
    """Padding the frames to a multiple keeps lengths, masks and distractors: the same loss and
    gradients on a Conformer without the convolution module (whose depthwise convolution and
    BatchNorm in ESPnet do not mask padding)."""
    torch.manual_seed(0)
    plain = _model(use_cnn_module=False)
    padded = copy.deepcopy(plain)
    padded.pad_to_multiple = multiple
    feats, lengths = _batch()
    _assert_same(_run(plain, feats, lengths), _run(padded, feats, lengths), atol=1e-6)


def test_pad_to_multiple_with_the_conv_module_changes_the_loss_little() -> None:
    """With ESPnet's convolution module the padded frames reach the last valid frames through the
    depthwise convolution (kernel 31 here: 15 frames): the loss moves, a little."""
    torch.manual_seed(0)
    plain = _model().eval()  # BatchNorm on running statistics
    padded = copy.deepcopy(plain)
    padded.pad_to_multiple = 64
    feats, lengths = _batch()
    a, b = _run(plain, feats, lengths)[0], _run(padded, feats, lengths)[0]
    assert a != b and abs(float(b - a)) / float(a) < 0.05


def test_channels_last_subsampling_same_outputs() -> None:
    torch.manual_seed(0)
    plain = _model()
    fast = copy.deepcopy(plain)
    from bigssl.ssl.encoder_io import use_channels_last

    fast.channels_last = use_channels_last(fast.encoder)
    assert fast.encoder.embed.conv[0].weight.is_contiguous(
        memory_format=torch.channels_last
    )
    assert list(fast.state_dict()) == list(plain.state_dict())
    feats, lengths = _batch()
    _assert_same(_run(plain, feats, lengths), _run(fast, feats, lengths), atol=1e-6)
