"""Training curves from ESPnet's train.log: per-interval and per-epoch stats, as CSV and PNG."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Sequence

from bigssl.io_utils import PathLike, atomic_open, save_figure_atomic

_INTERVAL = re.compile(r"(\d+)epoch:train:(\d+)-(\d+)batch: (.*)$")
_EPOCH = re.compile(r"(\d+)epoch results: \[train\] (.*?), \[valid\] (.*)$")
_STAT = re.compile(r"([A-Za-z_0-9]+)=([-+0-9.eE]+|nan|inf)(?=,|$)")


def _stats(text: str) -> Dict[str, float]:
    return {k: float(v) for k, v in _STAT.findall(text.replace(" ", ""))}


def parse_train_log(log: PathLike) -> Dict[str, List[Dict[str, float]]]:
    """``{"train": [per log interval], "valid": [per epoch]}``; train rows carry a global ``step``."""
    train: List[Dict[str, float]] = []
    valid: List[Dict[str, float]] = []
    steps_per_epoch: Dict[int, int] = {}
    for line in Path(log).read_text(errors="replace").splitlines():
        match = _INTERVAL.search(line)
        if match:
            epoch, last = int(match.group(1)), int(match.group(3))
            steps_per_epoch[epoch] = max(steps_per_epoch.get(epoch, 0), last)
            offset = sum(n for e, n in steps_per_epoch.items() if e < epoch)
            train.append(
                {"epoch": epoch, "step": offset + last, **_stats(match.group(4))}
            )
            continue
        match = _EPOCH.search(line)
        if match:
            valid.append(
                {
                    "epoch": int(match.group(1)),
                    **{f"valid_{k}": v for k, v in _stats(match.group(3)).items()},
                }
            )
    # Steps written before a resume are repeated in the log; keep the last occurrence.
    train = list({row["step"]: row for row in train}.values())
    valid = list({row["epoch"]: row for row in valid}.values())
    return {"train": train, "valid": valid}


def write_curves(
    log: PathLike, out_prefix: PathLike, keys: Sequence[str], title: str
) -> Path:
    """Write ``<prefix>.csv`` and ``<prefix>.png`` (one panel per key, train and valid)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = parse_train_log(log)
    out_prefix = Path(out_prefix)
    columns = ["step", "epoch", *keys]
    with atomic_open(out_prefix.with_suffix(".csv")) as handle:
        handle.write(",".join(columns) + "\n")
        for row in curves["train"]:
            handle.write(",".join(str(row.get(c, "")) for c in columns) + "\n")
    steps_at_epoch_end = {}
    for row in curves["train"]:
        steps_at_epoch_end[int(row["epoch"])] = row["step"]
    fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 3.6), squeeze=False)
    for ax, key in zip(axes[0], keys):
        points = [(r["step"], r[key]) for r in curves["train"] if key in r]
        if points:
            ax.plot(*zip(*points), label="train", lw=1)
        vpoints = [
            (steps_at_epoch_end.get(int(r["epoch"])), r[f"valid_{key}"])
            for r in curves["valid"]
            if f"valid_{key}" in r
        ]
        vpoints = [p for p in vpoints if p[0] is not None]
        if vpoints:
            ax.plot(*zip(*vpoints), "o-", label="valid (epoch end)")
        ax.set_xlabel("optimizer step")
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure_atomic(fig, out_prefix.with_suffix(".png"))
