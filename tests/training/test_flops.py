"""The analytic FLOP count of the Conformer (bigssl.training.flops) against torch's FLOP counter,
and the scale benchmark's table on the CPU."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
import yaml
from torch.utils.flop_counter import FlopCounterMode

from bigssl.espnet_compat import quiet_espnet_imports
from bigssl.training.flops import (
    ConformerShape,
    encoder_forward_flops,
    training_flops,
    training_gflops_per_audio_second,
    wav2vec2_head_flops,
)
from tests.conftest import REPO, run_command

TINY_CONFIG = REPO / "egs/TEMPLATE/asr1/conf/ssl/pretrain_tiny.yaml"
BASE = dict(output_size=48, attention_heads=4, linear_units=96, num_blocks=2)


def _counted(module: torch.nn.Module, *inputs) -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(*inputs)
    return counter.get_total_flops()


@pytest.mark.parametrize(
    "conf",
    [
        dict(BASE, cnn_module_kernel=15, macaron_style=True, input_layer="conv2d"),
        dict(BASE, cnn_module_kernel=5, macaron_style=False, input_layer="conv2d6"),
        dict(BASE, cnn_module_kernel=7, use_cnn_module=False, input_layer="conv2d2"),
        dict(BASE, cnn_module_kernel=15, macaron_style=True, input_layer="conv2d8"),
        dict(BASE, cnn_module_kernel=15, macaron_style=True, input_layer="linear"),
    ],
)
@pytest.mark.parametrize("batch,frames", [(1, 200), (3, 451)])
def test_encoder_count_is_exact(conf: dict, batch: int, frames: int) -> None:
    """Every matrix product and convolution of ESPnet's Conformer is in the formula."""
    quiet_espnet_imports()
    from espnet2.asr.encoder.conformer_encoder import ConformerEncoder

    conf = dict(
        conf,
        rel_pos_type="latest",
        pos_enc_layer_type="rel_pos",
        selfattention_layer_type="rel_selfattn",
    )
    encoder = ConformerEncoder(input_size=40, **conf).eval()
    feats = torch.randn(batch, frames, 40)
    counted = _counted(encoder, feats, torch.full((batch,), frames))
    shape = ConformerShape.from_encoder_conf(conf, input_size=40)
    assert encoder_forward_flops(shape, batch, frames) == counted


def test_pretraining_model_count_within_two_percent() -> None:
    """Encoder + pretraining heads vs the whole model's count (frontend and mask-dependent
    scores are the only parts estimated)."""
    quiet_espnet_imports()
    from bigssl.ssl.task import build_model_from_config

    torch.manual_seed(0)
    model, args = build_model_from_config(TINY_CONFIG)
    batch, samples = 3, 48000
    counted = _counted(
        model.eval(), torch.randn(batch, samples) * 0.1, torch.full((batch,), samples)
    )
    shape = ConformerShape.from_encoder_conf(args.encoder_conf, 80)
    frames = samples // 160 + 1
    estimate = encoder_forward_flops(shape, batch, frames) + wav2vec2_head_flops(
        shape, batch, frames, model.loss.proj.out_features
    )
    assert abs(estimate - counted) / counted < 0.02
    assert training_flops(estimate) == 3 * estimate


def test_unsupported_input_layer_is_named() -> None:
    with pytest.raises(ValueError, match="input_layer.*'conv2d1'"):
        ConformerShape.from_encoder_conf({"input_layer": "conv2d1"}, 80)


def test_per_audio_second_figure_of_the_mini_configs() -> None:
    """The 40 ms linear-input encoder costs less than 0.4x the conv2d one per audio second."""
    conf = REPO / "egs/mini/asr1/conf"
    base = yaml.safe_load(
        (conf / "train_asr_conformer_ctc_anneal_conv2d.yaml").read_text()
    )
    cheap = yaml.safe_load((conf / "train_asr_conformer_ctc_anneal.yaml").read_text())
    base_flops = training_gflops_per_audio_second(base)
    assert 1.0 < base_flops < 1.3  # DESIGN.md: 1.14 measured with torch's counter
    assert training_gflops_per_audio_second(cheap) < 0.4 * base_flops
    with pytest.raises(ValueError, match="conformer"):
        training_gflops_per_audio_second(dict(base, encoder="transformer"))


def test_scale_bench_prints_table_on_cpu(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    bench = [
        sys.executable, str(REPO / "bench/bench_scale.py"),
        "--config", str(TINY_CONFIG),
        "--batch_size", "2",
        "--seconds", "2",
        "--steps", "1",
        "--warmup", "1",
        "--label_batch_sizes", "1", "2",
        "--threads", "1",
        "--json", str(out),
    ]  # fmt: skip
    proc = run_command(bench, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| wav2vec 2.0 pretraining |" in proc.stdout
    assert "| CTC pseudo-labeling, batch 2 |" in proc.stdout
    results = json.loads(out.read_text())
    for key in ("pretraining", "ctc_training"):
        row = results[key]
        assert row["audio_s_per_s"] > 0 and 0 < row["mfu_vs_matmul"] < 2
    assert [row["batch"] for row in results["pseudo_labeling"]] == [1, 2]
