"""Take a seeded random subset of N utterances of a data dir (e.g. smaller labeled sets), optionally
of those that other data dirs do not hold (--exclude: e.g. the slice an earlier NST generation labeled)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.data.kaldi_dir import random_subset


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", type=Path, required=True)
    parser.add_argument("--dst", type=Path, required=True)
    parser.add_argument("--num", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--exclude",
        type=Path,
        nargs="*",
        default=[],
        help="data dirs whose utterances are not drawn",
    )
    args = parser.parse_args(argv)
    random_subset(args.src, args.dst, args.num, args.seed, args.exclude)


if __name__ == "__main__":
    main()
