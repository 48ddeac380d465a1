"""Take a seeded random subset of N utterances of a data dir (e.g. smaller labeled sets)."""

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
    args = parser.parse_args(argv)
    random_subset(args.src, args.dst, args.num, args.seed)


if __name__ == "__main__":
    main()
