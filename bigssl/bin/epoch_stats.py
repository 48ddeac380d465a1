"""A markdown table of one validation statistic per epoch for several experiments.

    python -m bigssl.bin.epoch_stats --key cer_ctc --epochs 1 4 8 12 --out section.md \
        --exp "random init|exp/asr_a" --exp "pretrained init|exp/asr_b"

Values come from ESPnet's reporter in each experiment's checkpoint.pth.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, List, Optional

from bigssl.io_utils import write_text_atomic


def valid_stat(exp: Path, key: str) -> Dict[int, float]:
    """Epoch -> validation ``key`` for one experiment."""
    import torch

    stats = torch.load(exp / "checkpoint.pth", map_location="cpu", weights_only=False)["reporter"]["stats"]
    return {int(e): float(s["valid"][key]) for e, s in stats.items() if key in s.get("valid", {})}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exp", action="append", required=True, help="LABEL|EXP_DIR")
    parser.add_argument("--key", default="cer_ctc")
    parser.add_argument("--epochs", type=int, nargs="+", required=True)
    parser.add_argument("--title", default="")
    parser.add_argument("--note", default="")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    lines = [f"## {args.title}\n"] if args.title else []
    lines += [f"| experiment | " + " | ".join(f"epoch {e}" for e in args.epochs) + " |",
              "|---|" + "---|" * len(args.epochs)]
    for item in args.exp:
        label, exp = item.split("|")
        values = valid_stat(Path(exp), args.key)
        lines.append(f"| {label} | " + " | ".join(f"{values[e]:.3f}" if e in values else "-" for e in args.epochs) + " |")
    text = "\n".join(lines) + "\n" + (f"\n{args.note}\n" if args.note else "")
    write_text_atomic(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
