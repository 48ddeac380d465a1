"""Wrap the tiny pretraining model in DeepSpeed on the CPU (1 process, gloo) and train 2 steps.

    python tests/training/deepspeed_wrap.py PORT DEEPSPEED_JSON...   # one JSON line per config

Run by test_deepspeed_configs.py in a subprocess. DeepSpeed's CPU accelerator would first
JIT-compile a shared-memory all-reduce op (minutes); with one process it is not needed, so its
builder is replaced by "none" (DeepSpeed then uses torch.distributed's gloo collectives).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "egs/TEMPLATE/asr1/conf/ssl/pretrain_tiny.yaml"


def main(port: str, *configs: str) -> None:
    os.environ.update(
        DS_ACCELERATOR="cpu",
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=port,
        RANK="0",
        WORLD_SIZE="1",
        LOCAL_RANK="0",
    )
    torch.distributed.init_process_group("gloo", rank=0, world_size=1)
    import deepspeed

    # the module, not the attribute: deepspeed.comm's "torch" attribute is torch itself
    importlib.import_module("deepspeed.comm.torch").build_shm_op = lambda: None

    from bigssl.espnet_compat import quiet_espnet_imports

    quiet_espnet_imports()
    from espnet2.train.deepspeed_trainer import DeepSpeedTrainer

    from bigssl.ssl.task import build_model_from_config

    for config in configs:
        torch.manual_seed(0)
        model, _ = build_model_from_config(TINY)
        ds_config = json.loads(Path(config).read_text())
        ds_config["gradient_accumulation_steps"] = 1
        engine, *_ = deepspeed.initialize(
            model=model, model_parameters=model.parameters(), config=ds_config
        )
        # ESPnet's DeepSpeed trainer casts every batch to the config's dtype
        dtype = DeepSpeedTrainer.setup_data_dtype(ds_config)
        speech = (torch.randn(2, 32000) * 0.1).to(dtype)
        losses = []
        for _ in range(2):
            loss, _, _ = engine(
                speech=speech, speech_lengths=torch.tensor([32000, 28000])
            )
            engine.backward(loss)
            engine.step()
            losses.append(float(loss.detach()))
        print(
            json.dumps(
                dict(
                    stage=engine.zero_optimization_stage(),
                    dtype=str(next(engine.module.encoder.parameters()).dtype),
                    losses=losses,
                    lr=engine.get_lr(),
                )
            )
        )
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:])
