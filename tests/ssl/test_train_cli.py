"""End to end on CPU: collect_stats, a 2-epoch run of ``python -m bigssl.bin.ssl_train``, resume,
and the non-finite-loss stop, with a tiny config on synthetic 16 kHz audio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import torch
import yaml
from ssl_helpers import REPO

from bigssl.ssl.task import BigSSLTask
from bigssl.training.guards import NonFiniteLossError

TINY = {
    "frontend": "default",
    "frontend_conf": {
        "fs": 16000,
        "n_fft": 512,
        "win_length": 400,
        "hop_length": 160,
        "n_mels": 80,
    },
    "encoder": "conformer",
    "encoder_conf": {
        "output_size": 32,
        "attention_heads": 2,
        "linear_units": 64,
        "num_blocks": 2,
        "cnn_module_kernel": 5,
        "input_layer": "conv2d",
        "macaron_style": True,
        "rel_pos_type": "latest",
        "pos_enc_layer_type": "rel_pos",
        "selfattention_layer_type": "rel_selfattn",
    },
    "masking": "span",
    "masking_conf": {"mask_prob": 0.065, "span_length": 10},
    "target": "linear",
    "target_conf": {"output_size": 16},
    "loss": "wav2vec2",
    "loss_conf": {"num_negatives": 20, "temperature": 0.1},
    "optim": "adam",
    "optim_conf": {"lr": 0.001},
    "scheduler": "warmuplr",
    "scheduler_conf": {"warmup_steps": 10},
    "batch_type": "numel",
    "batch_bins": 100000,
    "num_workers": 0,
    "log_interval": 1,
    "num_att_plot": 0,
    "use_tensorboard": False,
    "use_matplotlib": False,
}


def _data_args(corpus: Dict[str, Path]) -> List[str]:
    return [
        "--ngpu",
        "0",
        "--train_data_path_and_name_and_type",
        f"{corpus['train']},speech,sound",
        "--valid_data_path_and_name_and_type",
        f"{corpus['dev']},speech,sound",
    ]


@pytest.fixture(scope="module")
def setup(corpus: Dict[str, Path], tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("ssl_train")
    config = root / "tiny.yaml"
    config.write_text(yaml.safe_dump(TINY))
    stats = root / "stats"
    BigSSLTask.main(
        cmd=[
            "--collect_stats",
            "true",
            "--config",
            str(config),
            "--train_shape_file",
            str(corpus["train"]),
            "--valid_shape_file",
            str(corpus["dev"]),
            "--output_dir",
            str(stats),
        ]
        + _data_args(corpus)
    )
    train_args = _data_args(corpus) + [
        "--config",
        str(config),
        "--resume",
        "true",
        "--normalize",
        "global_mvn",
        "--normalize_conf",
        f"stats_file={stats}/train/feats_stats.npz",
        "--train_shape_file",
        f"{stats}/train/speech_shape",
        "--valid_shape_file",
        f"{stats}/valid/speech_shape",
    ]
    return root, stats, train_args


def _reporter(exp: Path) -> dict:
    return torch.load(exp / "checkpoint.pth", weights_only=False)["reporter"]["stats"]


def test_collect_stats_writes_feature_stats(setup) -> None:
    _, stats, _ = setup
    for part, count in (("train", 12), ("valid", 3)):
        assert (stats / part / "feats_stats.npz").exists()
        assert len((stats / part / "speech_shape").read_text().splitlines()) == count


def test_two_epoch_cli_run_then_resume_continues_the_same_curve(setup) -> None:
    root, _, train_args = setup
    straight = root / "exp_straight"
    log = root / "train.log"
    with log.open("w") as f:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bigssl.bin.ssl_train",
                *train_args,
                "--max_epoch",
                "2",
                "--output_dir",
                str(straight),
            ],
            cwd=REPO,
            stdout=f,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=600,
        )
    text = log.read_text()
    for epoch in (1, 2):
        line = next(x for x in text.splitlines() if f"{epoch}epoch results" in x)
        for key in ("loss=", "loss_contrastive=", "acc=", "mask_frac="):
            assert "[train] " in line and key in line, (epoch, key)
        assert "[valid] loss=" in line
    for name in (
        "checkpoint.pth",
        "1epoch.pth",
        "2epoch.pth",
        "valid.loss.best.pth",
        "config.yaml",
    ):
        assert (straight / name).exists(), name
    state = torch.load(straight / "2epoch.pth")
    assert any(k.startswith("encoder.encoders.") for k in state)

    # Interrupted after epoch 1, resumed to 2: epoch 2 matches the uninterrupted run.
    resumed = root / "exp_resumed"
    BigSSLTask.main(cmd=train_args + ["--max_epoch", "1", "--output_dir", str(resumed)])
    BigSSLTask.main(cmd=train_args + ["--max_epoch", "2", "--output_dir", str(resumed)])
    want, got = _reporter(straight), _reporter(resumed)
    for phase in ("train", "valid"):
        for key in ("loss", "acc", "mask_frac"):
            assert got[2][phase][key] == pytest.approx(
                want[2][phase][key], rel=1e-4
            ), key
    assert torch.load(resumed / "2epoch.pth")["num_steps"] == state["num_steps"]


def test_diverging_run_stops_with_a_clear_error(setup) -> None:
    root, _, train_args = setup
    exp = root / "exp_diverged"
    with pytest.raises(
        NonFiniteLossError, match=r"non-finite loss at training step \d+"
    ):
        BigSSLTask.main(
            cmd=train_args
            + [
                "--max_epoch",
                "2",
                "--output_dir",
                str(exp),
                "--optim_conf",
                "lr=1.0e+30",
                "--grad_clip",
                "-1",
            ]
        )
