"""Build an NST student's training dir: labeled + pseudo-labeled data, utt2group and shape files.

    python -m bigssl.bin.make_student_data --labeled dump/raw/train_labeled \
        --pseudo exp/nst_iter1/data/pseudo --out exp/nst_iter1/data/train \
        --bpemodel data/token_list/train_labeled_bpe40/bpe.model --token_list data/token_list/train_labeled_bpe40/tokens.txt \
        [--nbest_training true|false]

K-best training: when the pseudo dir holds nbest_text.<k>/nbest_weight.<k> (pseudo_label --nbest K,
kept rows copied by filter_pseudo), each pseudo utterance u becomes entries u-nb<k>, one per
non-empty hypothesis with weight > 0, and OUT gets utt2weight and utt2base; the NST batch sampler
(--nst_mix_ratio > 0) then draws one alternative per utterance and pass in proportion to its
weight. --nbest_training defaults to true when those files are present (and no --pseudo_text);
false keeps the 1-best text only.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from espnet2.utils.types import str2bool

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
        required=True,
        help="pseudo-labeled data dir (text = hypotheses)",
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
    parser.add_argument(
        "--nbest_training",
        type=str2bool,
        default=None,
        help="true|false: train on the pseudo dir's K-best hypotheses, weighted by posterior "
        "(default: true when it has nbest_text.*/nbest_weight.* files and no --pseudo_text)",
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
        nbest_training=args.nbest_training,
    )


if __name__ == "__main__":
    main()
