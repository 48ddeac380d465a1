"""DeepSpeed configs for the large pretraining configs, dry-run: DeepSpeed's own parser reads each,
and each matches its ESPnet YAML (optimizer, clipping, accumulation, schedule length, bf16).

ESPnet's DeepSpeed trainer (``--use_deepspeed true --deepspeed_config F``) takes the optimizer and
scheduler from the JSON, not from the YAML, so the two must agree. Then the tiny pretraining model
is wrapped by the DeepSpeed engine on the CPU (ZeRO-2 and ZeRO-3, bf16, one gloo process) and
trained two steps, as ESPnet's DeepSpeed trainer would (bf16 batches).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "egs/TEMPLATE/asr1/conf"
PAIRS = [
    ("pretrain_xl_zero2.json", "pretrain_xl.yaml", 2),
    ("pretrain_xxl_zero2.json", "pretrain_xxl.yaml", 2),
    ("pretrain_g_zero3.json", "pretrain_g.yaml", 3),
]


def test_every_deepspeed_config_is_covered() -> None:
    assert sorted(p.name for p in (CONF / "deepspeed").glob("*.json")) == sorted(
        pair[0] for pair in PAIRS
    )


@pytest.mark.parametrize("ds_name,yaml_name,stage", PAIRS)
def test_deepspeed_config_parses_and_matches_yaml(
    ds_name: str, yaml_name: str, stage: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DS_ACCELERATOR", "cpu")
    import torch
    from deepspeed.runtime.config import DeepSpeedConfig
    from espnet2.train.deepspeed_trainer import DeepSpeedTrainer

    raw = json.loads((CONF / "deepspeed" / ds_name).read_text())
    parsed = DeepSpeedConfig(raw)
    conf = yaml.safe_load((CONF / "ssl" / yaml_name).read_text())
    assert parsed.zero_optimization_stage == stage
    assert parsed.bfloat16_config.enabled
    assert DeepSpeedTrainer.setup_data_dtype(raw) == torch.bfloat16
    assert parsed.optimizer_name == "adam"
    params = parsed.optimizer_params
    for key in ("lr", "eps", "weight_decay"):
        assert params[key] == pytest.approx(conf["optim_conf"][key]), key
    assert list(params["betas"]) == list(conf["optim_conf"]["betas"])
    assert parsed.gradient_clipping == conf["grad_clip"]
    accum = conf.get("accum_grad", 1)
    assert parsed.gradient_accumulation_steps == accum
    schedule = parsed.scheduler_params
    assert schedule["warmup_num_steps"] == conf["scheduler_conf"]["warmup_steps"]
    assert schedule["warmup_max_lr"] == conf["optim_conf"]["lr"]
    optimizer_steps = conf["max_epoch"] * conf["num_iters_per_epoch"] // accum
    assert schedule["total_num_steps"] == optimizer_steps


def test_espnet_accepts_the_deepspeed_options() -> None:
    from bigssl.ssl.task import BigSSLTask

    config = CONF / "deepspeed" / "pretrain_g_zero3.json"
    args = BigSSLTask.get_parser().parse_args(
        [
            "--config",
            str(CONF / "ssl" / "pretrain_g.yaml"),
            "--output_dir",
            "unused",
            "--use_deepspeed",
            "true",
            "--deepspeed_config",
            str(config),
        ]
    )
    assert args.use_deepspeed and Path(args.deepspeed_config) == config


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_engine_wraps_the_pretraining_model_on_cpu() -> None:
    configs = [
        CONF / "deepspeed" / name
        for name in ("pretrain_xl_zero2.json", "pretrain_g_zero3.json")
    ]
    proc = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("deepspeed_wrap.py")),
            str(_free_port()),
        ]
        + [str(c) for c in configs],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = [
        json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")
    ]
    assert [run["stage"] for run in runs] == [2, 3]
    for run in runs:
        assert run["dtype"] == "torch.bfloat16"
        assert all(
            4.0 < loss < 5.5 for loss in run["losses"]
        )  # ~ln(101): untrained, finite
