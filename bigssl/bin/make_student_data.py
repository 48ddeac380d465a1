"""Build an NST student's training dir: labeled + pseudo-labeled data, utt2group and shape files.

    python -m bigssl.bin.make_student_data --labeled dump/raw/train_labeled \
        --pseudo exp/nst_iter1/data/pseudo --out exp/nst_iter1/data/train \
        --bpemodel data/token_list/train_labeled_bpe40/bpe.model --token_list data/token_list/train_labeled_bpe40/tokens.txt
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.nst.student_data import build_student_data


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--labeled", type=Path, required=True, help="labeled data dir (with text)"
    )
    parser.add_argument(
        "--pseudo",
        type=Path,
        nargs="+",
        required=True,
        help="pseudo-labeled data dir(s) (text = hypotheses); with several, an utterance in "
        "more than one keeps the first dir's label",
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bpemodel", type=Path, required=True)
    parser.add_argument("--token_list", type=Path, required=True)
    parser.add_argument(
        "--pseudo_text",
        type=Path,
        default=None,
        help="use these transcripts for the pseudo dir (topline)",
    )
    args = parser.parse_args(argv)
    setup_logging()
    build_student_data(
        args.labeled,
        args.pseudo,
        args.out,
        args.bpemodel,
        args.token_list,
        args.pseudo_text,
    )


if __name__ == "__main__":
    main()
