"""Re-split labeled + unlabeled data into a labeled fraction and the rest unlabeled (low-label runs).

    python -m bigssl.bin.split_labeled_pool --labeled data/train_labeled --unlabeled data/train_unlabeled \
        --unlabeled_reference data/local/unlabeled_reference/text --fraction 0.1 \
        --out_labeled data/pool_p10 --out_unlabeled data/pool_p10_unlabeled \
        --out_reference data/local/pool_p10_unlabeled_reference/text

The labeled sets of smaller fractions are subsets of larger ones (same seed); the unlabeled
output's transcripts go to --out_reference only.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.fractions import split_labeled_pool


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labeled", type=Path, required=True)
    parser.add_argument("--unlabeled", type=Path, required=True)
    parser.add_argument("--unlabeled_reference", type=Path, required=True)
    parser.add_argument("--fraction", type=float, required=True, help="in (0, 1]")
    parser.add_argument("--out_labeled", type=Path, required=True)
    parser.add_argument("--out_unlabeled", type=Path, required=True)
    parser.add_argument("--out_reference", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    setup_logging()
    split_labeled_pool(
        args.labeled,
        args.unlabeled,
        args.unlabeled_reference,
        args.fraction,
        args.out_labeled,
        args.out_unlabeled,
        args.out_reference,
        args.seed,
    )


if __name__ == "__main__":
    main()
