"""Nested labeled fractions of a data dir for the data-efficiency study (egs/voicesearch/asr1):

    python -m bigssl.bin.nested_subsets --source dump/raw/train --name train --out_dir data \\
        --fractions 1 3 10 100 --pool_dirs data/unlabeled

Writes OUT_DIR/<name>_p<f> (labeled) and OUT_DIR/<name>_p<f>_rest (the rest, audio only); smaller
fractions are subsets of larger ones. See bigssl.data.fractions.write_nested_subsets.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.fractions import write_nested_subsets


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, required=True, help="a data dir")
    parser.add_argument("--out_dir", type=Path, required=True, help="usually data")
    parser.add_argument("--name", help="the subsets' name prefix (default: SOURCE's)")
    parser.add_argument(
        "--fractions", nargs="+", required=True, help="percent, e.g. 1 3 10"
    )
    parser.add_argument(
        "--pool_dirs", type=Path, nargs="*", default=[], help="unlabeled data dirs"
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    try:
        write_nested_subsets(
            args.source,
            args.out_dir,
            args.fractions,
            args.seed,
            args.pool_dirs,
            args.name,
        )
    except ValueError as err:  # CorpusError and bad fractions
        logging.error("%s", err)
        sys.exit(1)


if __name__ == "__main__":
    main()
