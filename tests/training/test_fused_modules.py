"""Encoder levers (issue 25): the swapped ESPnet Conformer computes what the stock one does.

Outputs and every parameter's gradient are compared in fp32 over the whole padded batch, padded
frames included: with ESPnet's key-padding mask (B, 1, T) every query row, padded or not, attends
to at least one valid key, so ESPnet defines all of them. Rows whose keys are all masked (a (B, T, T)
mask, or a zero-length item) are ESPnet's ``linear_out`` bias; they are compared at module level.
Tolerances: outputs atol 1e-5 (they are O(1) after the final LayerNorm), gradients atol 1e-5 times
the largest gradient magnitude of that parameter (at least 1), rtol 1e-4 for both. Two gradients are
zero in exact arithmetic and rounding noise in both implementations: ``linear_k.bias`` (softmax
cancels a per-query constant) and, in train mode, the depthwise conv's bias (BatchNorm's batch mean
cancels it); they are held to atol 1e-5 times the largest gradient of the whole encoder.
"""

from __future__ import annotations

import io
from typing import Dict, List, Optional, Sequence, Tuple

import pytest
import torch

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from espnet2.asr.encoder.conformer_encoder import ConformerEncoder  # noqa: E402
from espnet.nets.pytorch_backend.transformer.attention import (  # noqa: E402
    RelPositionMultiHeadedAttention,
)

from bigssl.training.fused_modules import (  # noqa: E402
    LEVERS,
    SDPARelPositionMultiHeadedAttention,
    apply_encoder_levers,
    rel_shift_view,
)
from tests.ssl.ssl_helpers import TINY_ENCODER_CONF  # noqa: E402

BOTH = ["sdpa_relpos", "linear_conv_module"]
INPUT_SIZE = 16
ENCODER_CONF: Dict[str, object] = {
    **TINY_ENCODER_CONF,  # tests/ssl/ssl_helpers.py, here with 4 heads, kernel 15, linear input
    "attention_heads": 4,
    "cnn_module_kernel": 15,
    "input_layer": "linear",
    "use_cnn_module": True,
    "activation_type": "swish",
}


def _pair(levers: Sequence[str]) -> Tuple[ConformerEncoder, ConformerEncoder]:
    """(stock, swapped) encoders with the same weights."""
    torch.manual_seed(0)
    stock = ConformerEncoder(INPUT_SIZE, **ENCODER_CONF)
    swapped = ConformerEncoder(INPUT_SIZE, **ENCODER_CONF)
    swapped.load_state_dict(stock.state_dict())
    apply_encoder_levers(swapped, levers)
    return stock, swapped


def _batch(frames: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Three utterances of different lengths, the longest ``frames``."""
    torch.manual_seed(1)
    lengths = torch.tensor([frames, max(1, 2 * frames // 3), max(1, frames // 4)])
    return torch.randn(3, frames, INPUT_SIZE), lengths


def _run(
    encoder: ConformerEncoder, feats: torch.Tensor, lengths: torch.Tensor
) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """Output and parameter gradients of a fixed random projection of the whole output."""
    encoder.zero_grad()
    out, out_lengths, _ = encoder(feats, lengths)
    assert torch.equal(out_lengths, lengths)
    weight = torch.randn(out.shape, generator=torch.Generator().manual_seed(2))
    (out * weight).sum().backward()
    return out.detach(), {n: p.grad for n, p in encoder.named_parameters()}


def _assert_same(
    stock: ConformerEncoder, swapped: ConformerEncoder, frames: int
) -> None:
    feats, lengths = _batch(frames)
    ref, ref_grads = _run(stock, feats, lengths)
    got, got_grads = _run(swapped, feats, lengths)
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-5)
    assert list(got_grads) == list(ref_grads)
    zero = ("self_attn.linear_k.bias",)
    zero += ("conv_module.depthwise_conv.bias",) if stock.training else ()
    scale = max(grad.abs().max().item() for grad in ref_grads.values())
    for name, ref_grad in ref_grads.items():
        atol = 1e-5 * max(ref_grad.abs().max().item(), 1.0)
        if name.endswith(zero):
            atol = 1e-5 * scale
            assert ref_grad.abs().max().item() <= atol, name
        torch.testing.assert_close(
            got_grads[name], ref_grad, rtol=1e-4, atol=atol, msg=name
        )


@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize("frames", [7, 300, 1000])
def test_both_levers_match_stock_outputs_and_gradients(
    frames: int, train: bool
) -> None:
    """Both levers at once, short and long padded batches; train mode with dropout 0
    (BatchNorm then normalizes with the batch statistics, as ESPnet does)."""
    stock, swapped = _pair(BOTH)
    stock.train(train), swapped.train(train)
    _assert_same(stock, swapped, frames)
    if train:  # the BatchNorm running statistics moved alike
        for (name, ref), got in zip(stock.named_buffers(), swapped.buffers()):
            torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-6, msg=name)


@pytest.mark.parametrize("lever", sorted(LEVERS))
def test_each_lever_alone_matches_stock(lever: str) -> None:
    stock, swapped = _pair([lever])
    stock.train(), swapped.train()
    _assert_same(stock, swapped, 300)


def _attention_pair(
    dropout: float = 0.0,
) -> Tuple[RelPositionMultiHeadedAttention, SDPARelPositionMultiHeadedAttention]:
    torch.manual_seed(0)
    stock = RelPositionMultiHeadedAttention(4, 32, dropout)
    swapped = RelPositionMultiHeadedAttention(4, 32, dropout)
    swapped.load_state_dict(stock.state_dict())
    swapped.__class__ = SDPARelPositionMultiHeadedAttention
    return stock, swapped


def _attention_inputs(time: int, batch: int = 3) -> List[torch.Tensor]:
    torch.manual_seed(3)
    x = torch.randn(batch, time, 32, requires_grad=True)
    pos_emb = torch.randn(1, 2 * time - 1, 32, requires_grad=True)
    return [x, pos_emb]


def _attend(
    module: torch.nn.Module,
    x: torch.Tensor,
    pos_emb: torch.Tensor,
    mask: Optional[torch.Tensor],
    query: Optional[torch.Tensor] = None,
) -> List[torch.Tensor]:
    """Output, then the gradients of the inputs and of every parameter."""
    module.zero_grad()
    x.grad = pos_emb.grad = None
    out = module(x if query is None else query, x, x, pos_emb, mask)
    (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum().backward()
    grads = [x.grad.clone(), pos_emb.grad.clone()]
    return [out.detach()] + grads + [p.grad for p in module.parameters()]


@pytest.mark.parametrize("time", [1, 2, 7, 64])
def test_rel_shift_view_is_espnets_rel_shift(time: int) -> None:
    scores = torch.randn(2, 3, time, 2 * time - 1)
    module = RelPositionMultiHeadedAttention(1, 4, 0.0)
    assert torch.equal(rel_shift_view(scores), module.rel_shift(scores))


def test_fully_masked_rows_and_empty_items_match_stock() -> None:
    """A (B, T, T) mask with all-masked query rows, and a zero-length item: ESPnet zeroes those
    rows' attention weights (output = linear_out's bias); every row of the output is compared.
    """
    stock, swapped = _attention_pair()
    x, pos_emb = _attention_inputs(9)
    lengths = torch.tensor([9, 5, 0])
    mask = (torch.arange(9)[None, :] < lengths[:, None])[:, None, :].repeat(1, 9, 1)
    mask[0, 2] = False  # one fully masked query row in a full-length item
    mask[1, :, 1] = False  # and one masked key in every row of another
    for padding in (mask, mask[:, :1, :], None):
        ref = _attend(stock, x, pos_emb, padding)
        got = _attend(swapped, x, pos_emb, padding)
        for a, b in zip(got, ref):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
        if padding is mask:  # the empty item's rows and row 2 of the first are the bias
            bias = swapped.linear_out.bias.detach()
            torch.testing.assert_close(got[0][2], bias.expand(9, 32))
            torch.testing.assert_close(got[0][0, 2], bias)


def test_attention_dropout_is_sdpas_at_the_modules_rate() -> None:
    """Train mode drops attention weights (SDPA's dropout_p = the module's rate); eval mode does
    not and matches stock ESPnet. Random draws differ from ESPnet's, so train outputs are not
    compared with it: only their mean over many draws is (inverted dropout keeps the mean).
    """
    stock, swapped = _attention_pair(dropout=0.3)
    x, pos_emb = _attention_inputs(12, batch=1)
    mask = torch.ones(1, 1, 12, dtype=torch.bool)
    with torch.no_grad():
        stock.eval(), swapped.eval()
        ref = stock(x, x, x, pos_emb, mask)
        torch.testing.assert_close(swapped(x, x, x, pos_emb, mask), ref)
        swapped.train()
        draws = torch.stack([swapped(x, x, x, pos_emb, mask) for _ in range(2000)])
    assert not torch.allclose(draws[0], draws[1])
    torch.testing.assert_close(draws.mean(0), ref, rtol=0.0, atol=0.05)
    swapped.dropout.p = 0.0
    with torch.no_grad():
        torch.testing.assert_close(swapped(x, x, x, pos_emb, mask), ref)


def test_cache_path_and_forward_hooks_use_espnets_forward() -> None:
    """A query shorter than the keys (the encoder layer's cache path) and registered forward hooks
    (ESPnet's attention plots read ``self.attn``) fall back to the stock forward."""
    stock, swapped = _attention_pair()
    x, pos_emb = _attention_inputs(6)
    mask = torch.ones(3, 1, 6, dtype=torch.bool)
    for a, b in zip(
        _attend(swapped, x, pos_emb, mask, query=x[:, -1:]),
        _attend(stock, x, pos_emb, mask, query=x[:, -1:]),
    ):
        torch.testing.assert_close(a, b)
    handle = swapped.register_forward_hook(lambda *args: None)
    with torch.no_grad():
        swapped(x, x, x, pos_emb, mask), stock(x, x, x, pos_emb, mask)
    handle.remove()
    torch.testing.assert_close(swapped.attn, stock.attn)


def test_state_dict_keys_unchanged_and_loadable_into_stock_espnet() -> None:
    stock, swapped = _pair([])
    keys = list(swapped.state_dict())
    params = list(swapped.parameters())
    assert apply_encoder_levers(swapped, BOTH) == {
        "sdpa_relpos": 2,
        "linear_conv_module": 2,
    }
    assert list(swapped.state_dict()) == keys
    assert all(a is b for a, b in zip(swapped.parameters(), params))  # no new tensors
    buffer = io.BytesIO()
    torch.save(swapped.state_dict(), buffer)
    buffer.seek(0)
    torch.manual_seed(5)
    fresh = ConformerEncoder(INPUT_SIZE, **ENCODER_CONF).eval()
    fresh.load_state_dict(torch.load(buffer), strict=True)
    assert type(fresh.encoders[0].self_attn) is RelPositionMultiHeadedAttention
    feats, lengths = _batch(40)
    with torch.no_grad():
        torch.testing.assert_close(
            fresh(feats, lengths)[0], swapped.eval()(feats, lengths)[0]
        )


def test_levers_are_idempotent_and_leave_other_classes_alone() -> None:
    _, swapped = _pair(BOTH)
    assert apply_encoder_levers(swapped, BOTH + BOTH) == {
        "sdpa_relpos": 2,
        "linear_conv_module": 2,
    }


def test_unknown_or_inapplicable_lever_raises_before_swapping() -> None:
    _, encoder = _pair([])
    with pytest.raises(ValueError, match="unknown encoder lever.*'fused_everything'"):
        apply_encoder_levers(encoder, ["sdpa_relpos", "fused_everything"])
    legacy = ConformerEncoder(INPUT_SIZE, **dict(ENCODER_CONF, rel_pos_type="legacy"))
    with pytest.raises(ValueError, match="no RelPositionMultiHeadedAttention"):
        apply_encoder_levers(legacy, ["linear_conv_module", "sdpa_relpos"])
    no_conv = ConformerEncoder(INPUT_SIZE, **dict(ENCODER_CONF, use_cnn_module=False))
    with pytest.raises(ValueError, match="no ConvolutionModule"):
        apply_encoder_levers(no_conv, ["linear_conv_module"])
    for module in list(legacy.modules()) + list(encoder.modules()):
        assert "bigssl" not in type(module).__module__  # nothing was swapped


def test_pretraining_task_option_swaps_before_compile() -> None:
    """``--encoder_levers`` in BigSSLTask.build_model: swapped modules, stock keys, the same loss
    as the plain model with the same weights; with ``--compile_encoder`` the compiled blocks hold
    the swapped modules."""
    from bigssl.ssl.task import build_model_from_config
    from tests.training.test_precision import TINY_CONFIG

    levers = ["--encoder_levers", *BOTH]
    plain = build_model_from_config(TINY_CONFIG)[0].eval()
    swapped, args = build_model_from_config(TINY_CONFIG, levers)
    assert args.encoder_levers == BOTH
    swapped.load_state_dict(plain.state_dict(), strict=True)
    assert list(swapped.state_dict()) == list(plain.state_dict())
    block = swapped.encoder.encoders[0]
    assert isinstance(block.self_attn, SDPARelPositionMultiHeadedAttention)
    speech, lengths = torch.randn(2, 8000) * 0.1, torch.tensor([8000, 6000])
    losses = []
    for model in (plain, swapped.eval()):
        torch.manual_seed(1)
        with torch.no_grad():
            losses.append(model(speech=speech, speech_lengths=lengths)[0])
    torch.testing.assert_close(losses[1], losses[0], rtol=1e-5, atol=1e-5)
    compiled = build_model_from_config(
        TINY_CONFIG, levers + ["--compile_encoder", "true"]
    )
    block = compiled[0].encoder.encoders[0]
    assert block._compiled_call_impl is not None
    assert isinstance(block.self_attn, SDPARelPositionMultiHeadedAttention)


def test_asr_task_option_swaps_the_encoder() -> None:
    from bigssl.asr.task import BigSSLASRTask
    from tests.asr.asr_helpers import tiny_asr_args

    args = tiny_asr_args(["<blank>", "<unk>", "a", "<sos/eos>"], transducer=False)
    assert args.encoder_levers == []
    args.encoder_conf.update(rel_pos_type="latest")
    plain = BigSSLASRTask.build_model(args)
    args.encoder_levers = BOTH
    swapped = BigSSLASRTask.build_model(args)
    kinds = {type(m).__name__ for m in swapped.encoder.modules()}
    assert {"SDPARelPositionMultiHeadedAttention", "LinearConvolutionModule"} <= kinds
    assert list(swapped.state_dict()) == list(plain.state_dict())
    parsed = BigSSLASRTask.get_parser().parse_args(
        ["--output_dir", "x", "--token_list", "x", "--encoder_levers", "sdpa_relpos"]
    )
    assert parsed.encoder_levers == ["sdpa_relpos"]


def test_bf16_autocast_runs_close_to_stock_fp32() -> None:
    """Under CPU bf16 autocast the swapped encoder runs (SDPA gets one dtype) and stays within
    bf16's precision of the stock fp32 encoder, padded frames included."""
    stock, swapped = _pair(BOTH)
    stock.eval(), swapped.eval()
    feats, lengths = _batch(50)
    with torch.no_grad():
        ref = stock(feats, lengths)[0]
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            got = swapped(feats, lengths)[0]
    assert got.dtype == torch.bfloat16 and torch.isfinite(got).all()
    error = ((got.float() - ref).norm() / ref.norm()).item()
    assert error < 5e-2, error
