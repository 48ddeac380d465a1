"""Plot an ESPnet train.log as a learning curve (CSV + PNG next to the log)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.training.curves import write_curves


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log", type=Path, required=True, help="ESPnet train.log")
    parser.add_argument(
        "--keys", nargs="+", default=["loss"], help="stats to plot, e.g. loss acc"
    )
    parser.add_argument(
        "--out_prefix", type=Path, default=None, help="default: <log dir>/curve"
    )
    parser.add_argument("--title", default="")
    args = parser.parse_args(argv)
    setup_logging()
    prefix = args.out_prefix or args.log.parent / "curve"
    print(write_curves(args.log, prefix, args.keys, args.title or str(args.log.parent)))


if __name__ == "__main__":
    main()
