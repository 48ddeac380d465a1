"""Model sizes of the committed configs match the paper (built on the meta device)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from ssl_helpers import REPO, SSL_CONF

from bigssl.ssl.sizes import model_info
from bigssl.ssl.task import BigSSLTask

# BigSSL model-size table: layers, model dim, heads, parameters.
PAPER = {
    "pretrain_xl.yaml": (24, 1024, 8, 0.6e9),
    "pretrain_xxl.yaml": (42, 1024, 8, 1.0e9),
    "pretrain_g.yaml": (36, 3072, 16, 8.0e9),
}


@pytest.mark.parametrize("config", sorted(PAPER))
def test_paper_sizes(config: str) -> None:
    layers, dim, heads, params = PAPER[config]
    info = model_info(SSL_CONF / config)
    assert (info.encoder_layers, info.model_dim, info.attention_heads) == (
        layers,
        dim,
        heads,
    )
    assert info.ffn_dim == 4 * dim and info.conv_kernel == 5
    assert abs(info.total_params - params) / params < 0.10, info.total_params
    assert info.state_bytes == 16 * info.total_params
    assert info.activation_bytes is not None and info.activation_bytes > 0


def test_activation_estimate_scales_with_length() -> None:
    short = model_info(SSL_CONF / "pretrain_tiny.yaml", seconds=5.0).activation_bytes
    long = model_info(SSL_CONF / "pretrain_tiny.yaml", seconds=20.0).activation_bytes
    assert 4.0 <= long / short < 8.0  # linear parts x4, attention maps x16


def test_meta_count_equals_real_count() -> None:
    args = BigSSLTask.get_parser().parse_args(
        [
            "--config",
            str(SSL_CONF / "pretrain_tiny_quantizer.yaml"),
            "--output_dir",
            "unused",
        ]
    )
    real = sum(p.numel() for p in BigSSLTask.build_model(args).parameters())
    assert model_info(SSL_CONF / "pretrain_tiny_quantizer.yaml").total_params == real


def test_every_committed_config_runs_a_forward_pass() -> None:
    for config in sorted(SSL_CONF.glob("*.yaml")):
        info = model_info(config)
        assert info.total_params > 0, config
    # The small configs also run for real: one CPU forward/backward on 2 s of audio.
    for config in ("pretrain_tiny.yaml", "pretrain_tiny_quantizer.yaml"):
        args = BigSSLTask.get_parser().parse_args(
            ["--config", str(SSL_CONF / config), "--output_dir", "unused"]
        )
        model = BigSSLTask.build_model(args)
        loss, stats, _ = model(torch.randn(2, 32000), torch.tensor([32000, 24000]))
        loss.backward()
        assert torch.isfinite(loss).all() and 0.3 < stats["mask_frac"].item() < 0.7


def test_model_info_cli_json() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bigssl.bin.model_info",
            "--json",
            "--config",
            str(SSL_CONF / "pretrain_xl.yaml"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    info = json.loads(out.strip().splitlines()[-1])
    assert info["encoder_layers"] == 24
    assert abs(info["total_params"] - 0.6e9) / 0.6e9 < 0.10
    assert info["state_bytes"] == 16 * info["total_params"]
