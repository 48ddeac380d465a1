"""Record a finished training run's cost: data hours, epochs, parameters, wall time, throughput."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bigssl.data.kaldi_dir import audio_hours
from bigssl.io_utils import write_text_atomic


def epoch_seconds(exp_dir: Path) -> Optional[float]:
    """Training + validation time over all epochs, from ESPnet's reporter (survives resumes)."""
    import torch

    checkpoint = exp_dir / "checkpoint.pth"
    if not checkpoint.is_file():
        return None
    stats = torch.load(checkpoint, map_location="cpu", weights_only=False)["reporter"][
        "stats"
    ]
    total = 0.0
    for epoch in stats.values():
        for part in ("train", "valid"):
            elapsed = epoch.get(part, {}).get("time")
            total += (
                elapsed.total_seconds()
                if hasattr(elapsed, "total_seconds")
                else float(elapsed or 0.0)
            )
    return total


def summarize(exp_dir: Path, data_dir: Path, wall_seconds: float) -> Dict[str, object]:
    """Summary of ``exp_dir``'s training; also written to ``exp_dir/train_summary.json``.

    The wall time is the sum of ESPnet's per-epoch times when a checkpoint has them (so a resumed
    run counts every epoch once), else ``wall_seconds``.
    """
    import torch

    wall_seconds = epoch_seconds(exp_dir) or wall_seconds

    config = yaml.safe_load((exp_dir / "config.yaml").read_text())
    epochs = len(list(exp_dir.glob("[0-9]*epoch.pth"))) or config.get("max_epoch")
    hours = audio_hours(data_dir / "wav.scp")
    params = None
    for name in ("valid.loss.ave.pth", "valid.loss.best.pth", "latest.pth"):
        if (exp_dir / name).exists():
            state = torch.load(exp_dir / name, map_location="cpu", weights_only=True)
            params = sum(v.numel() for v in state.values())
            break
    summary = {
        "train_hours": round(hours, 3),
        "max_epoch": config.get("max_epoch"),
        "epochs_kept": epochs,
        "parameters_M": round(params / 1e6, 2) if params else None,
        "wall_hours": round(wall_seconds / 3600, 3),
        "audio_sec_per_sec": round(
            hours * 3600 * int(config.get("max_epoch") or 1) / max(wall_seconds, 1.0), 1
        ),
        "ngpu": config.get("ngpu"),
    }
    write_text_atomic(
        exp_dir / "train_summary.json", json.dumps(summary, indent=2) + "\n"
    )
    return summary
