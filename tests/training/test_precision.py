"""bf16 autocast: the encoder runs in bf16, the contrastive logits and code selection stay fp32,
and a bf16 forward of the pretraining and CTC models matches fp32 within bf16's precision.

Runs on the CPU (torch's CPU autocast supports bf16) and, where one is present, on a CUDA GPU.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from bigssl.espnet_compat import quiet_espnet_imports
from bigssl.ssl.contrastive import contrastive_loss
from bigssl.ssl.targets import GumbelQuantizer
from bigssl.training.precision import fp32_region

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
TINY_CONFIG = (
    Path(__file__).resolve().parents[2]
    / "egs/TEMPLATE/asr1/conf/ssl/pretrain_tiny.yaml"
)


def _autocast(device: str):
    return torch.autocast(device_type=device, dtype=torch.bfloat16)


@pytest.mark.parametrize("device", DEVICES)
def test_fp32_region_turns_autocast_off(device: str) -> None:
    a = torch.randn(8, 8, device=device)
    with _autocast(device):
        assert (a @ a).dtype == torch.bfloat16
        with fp32_region(torch.device(device)):
            assert (a @ a).dtype == torch.float32


@pytest.mark.parametrize("device", DEVICES)
def test_contrastive_logits_are_fp32_under_autocast(device: str) -> None:
    """Under bf16 autocast the loss equals the fp32 loss of the same (bf16) inputs.

    Without the fp32 region, the (M, M) cosine scores would be a bf16 product and the loss
    would differ by ~1e-2 relative.
    """
    torch.manual_seed(0)
    context = torch.randn(2, 60, 32, device=device).bfloat16()
    targets = torch.randn(2, 60, 32, device=device).bfloat16()
    mask = torch.rand(2, 60, device=device) < 0.5

    def loss(autocast: bool) -> torch.Tensor:
        generator = torch.Generator(device=device).manual_seed(1)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=autocast):
            return contrastive_loss(
                context, targets, mask, num_negatives=20, generator=generator
            ).loss

    mixed, full = loss(True), loss(False)
    assert mixed.dtype == torch.float32
    torch.testing.assert_close(mixed, full, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
def test_gumbel_code_selection_is_fp32_under_autocast(device: str) -> None:
    quantizer = GumbelQuantizer(32, num_groups=2, num_codes=16, codevector_size=32)
    quantizer = quantizer.to(device).eval()
    feats = torch.randn(2, 10, 32, device=device)
    valid = torch.ones(2, 10, dtype=torch.bool, device=device)
    with _autocast(device):
        out = quantizer(feats, valid)
    expected = quantizer(feats, valid)
    # the code choice is made on fp32 logits of a bf16 projection: at most a near-tie differs
    assert out.targets.shape == expected.targets.shape
    assert torch.isfinite(out.stats["code_ppl"])


def _relative_error(got: torch.Tensor, ref: torch.Tensor) -> float:
    return float((got.float() - ref.float()).norm() / ref.float().norm())


@pytest.mark.parametrize("device", DEVICES)
def test_bf16_pretraining_forward_matches_fp32(device: str) -> None:
    """Same masks and distractors (seeded): bf16 loss within 2 % of fp32, gradients aligned."""
    quiet_espnet_imports()
    from bigssl.ssl.task import build_model_from_config

    torch.manual_seed(0)
    model = build_model_from_config(TINY_CONFIG)[0].to(device)
    model.eval()  # no dropout, so the two passes differ by precision alone
    speech = torch.randn(3, 32000, device=device) * 0.1
    lengths = torch.tensor([32000, 28000, 24000], device=device)

    def run(autocast: bool):
        torch.manual_seed(1)
        model.zero_grad()
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=autocast):
            loss, stats, _ = model(speech=speech, speech_lengths=lengths)
        loss.backward()
        grad = torch.cat([p.grad.flatten() for p in model.encoder.parameters()])
        return loss.detach(), grad

    loss16, grad16 = run(True)
    loss32, grad32 = run(False)
    assert loss16.dtype == torch.float32
    assert abs(float(loss16 - loss32)) / float(loss32) < 0.02
    cosine = torch.nn.functional.cosine_similarity(grad16.float(), grad32, dim=0)
    assert cosine > 0.95, float(cosine)


@pytest.mark.parametrize("device", DEVICES)
def test_bf16_ctc_encoder_matches_fp32(device: str) -> None:
    """ESPnet's Conformer encoder under bf16 autocast: outputs within bf16 precision of fp32."""
    quiet_espnet_imports()
    from espnet2.asr.encoder.conformer_encoder import ConformerEncoder

    torch.manual_seed(0)
    encoder = (
        ConformerEncoder(
            80,
            output_size=144,
            attention_heads=4,
            linear_units=576,
            num_blocks=4,
            cnn_module_kernel=5,
            macaron_style=True,
            rel_pos_type="latest",
            pos_enc_layer_type="rel_pos",
            selfattention_layer_type="rel_selfattn",
        )
        .to(device)
        .eval()
    )
    feats = torch.randn(2, 300, 80, device=device)
    lengths = torch.tensor([300, 250], device=device)
    inner = []
    encoder.encoders[0].feed_forward.w_1.register_forward_hook(
        lambda module, args, out: inner.append(out.dtype)
    )
    with torch.no_grad():
        ref, ref_lengths, _ = encoder(feats, lengths)
        with _autocast(device):
            got, got_lengths, _ = encoder(feats, lengths)
    assert inner == [torch.float32, torch.bfloat16]  # the blocks' matmuls ran in bf16
    assert torch.equal(got_lengths, ref_lengths)
    error = _relative_error(got, ref)
    assert 1e-4 < error < 5e-2, error  # bf16 really ran, and stayed close


def test_compile_encoder_option_keeps_stock_keys() -> None:
    """--compile_encoder true compiles every block in place: ESPnet-loadable state_dict keys."""
    quiet_espnet_imports()
    from bigssl.ssl.task import build_model_from_config

    plain = build_model_from_config(TINY_CONFIG)[0]
    compiled = build_model_from_config(TINY_CONFIG, ["--compile_encoder", "true"])[0]
    assert all(b._compiled_call_impl is not None for b in compiled.encoder.encoders)
    assert all(b._compiled_call_impl is None for b in plain.encoder.encoders)
    assert list(compiled.state_dict()) == list(plain.state_dict())


def test_compiled_blocks_compute_the_same_loss() -> None:
    """The blocks trace whole through torch.compile (AOT autograd) and give the same loss."""
    quiet_espnet_imports()
    from bigssl.ssl.task import build_model_from_config
    from bigssl.training.compile import compile_encoder_blocks

    torch.manual_seed(0)
    model = build_model_from_config(TINY_CONFIG)[0].eval()
    speech = torch.randn(2, 24000) * 0.1
    lengths = torch.tensor([24000, 20000])
    losses = []
    for compiled in (False, True):
        if compiled:
            compile_encoder_blocks(model.encoder, backend="aot_eager")
        torch.manual_seed(1)
        with torch.no_grad():
            losses.append(model(speech=speech, speech_lengths=lengths)[0])
    torch.testing.assert_close(losses[0], losses[1], rtol=1e-5, atol=1e-5)


def test_compiled_blocks_do_not_recompile_per_batch_shape() -> None:
    """Variable-length batches (and batch size 1) cost a bounded number of graphs, not one per shape.

    torch's automatic dynamic shapes recompile once with symbolic sizes after the first shape, and
    batch size 1 is specialized once more; every later shape reuses those graphs. Each output equals
    the uncompiled encoder's.
    """
    from espnet2.asr.encoder.conformer_encoder import ConformerEncoder
    from torch._dynamo.utils import counters

    from bigssl.training.compile import compile_encoder_blocks

    torch.manual_seed(0)
    options = dict(output_size=32, attention_heads=2, linear_units=64, num_blocks=2)
    options.update(cnn_module_kernel=7, input_layer="conv2d", macaron_style=True)
    options.update(use_cnn_module=True, rel_pos_type="latest")
    options.update(
        pos_enc_layer_type="rel_pos", selfattention_layer_type="rel_selfattn"
    )
    plain = ConformerEncoder(20, **options).eval()
    compiled = ConformerEncoder(20, **options).eval()
    compiled.load_state_dict(plain.state_dict())
    torch._dynamo.reset()
    counters.clear()
    compile_encoder_blocks(compiled, backend="aot_eager")
    shapes = [
        (4, 120),
        (3, 170),
        (1, 90),
        (5, 103),
        (2, 240),
        (1, 61),
        (6, 133),
        (3, 77),
    ]
    with torch.no_grad():
        for batch, frames in shapes:
            feats = torch.randn(batch, frames, 20)
            lengths = torch.full((batch,), frames)
            lengths[1:] -= torch.randint(0, frames // 3, (batch - 1,))
            torch.testing.assert_close(
                compiled(feats, lengths)[0],
                plain(feats, lengths)[0],
                rtol=1e-4,
                atol=1e-5,
            )
    graphs = counters["stats"]["unique_graphs"]
    assert 1 <= graphs <= 4, f"{graphs} graphs for {len(shapes)} batch shapes"
