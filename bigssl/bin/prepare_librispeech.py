"""Kaldi data dirs of LibriSpeech (+ Libri-Light's labeled 10 min/1 h/10 h and unlabeled sets)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from espnet2.utils.types import str2bool

from bigssl.cli import setup_logging
from bigssl.data.corpora.librispeech import (
    LIBRILIGHT_SUBSETS,
    LIBRISPEECH_PARTS,
    VAD_TARGET_SECONDS,
    CorpusError,
    prepare_corpus,
)


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data_dir", type=Path, default=Path("data"), help="where the data dirs go"
    )
    parser.add_argument(
        "--librispeech_root",
        type=Path,
        required=True,
        help="directory holding LibriSpeech/ (https://www.openslr.org/12)",
    )
    parser.add_argument(
        "--parts",
        nargs="*",
        default=list(LIBRISPEECH_PARTS),
        help="LibriSpeech parts to prepare",
    )
    parser.add_argument(
        "--librilight_root",
        type=Path,
        default=None,
        help="directory holding librispeech_finetuning/ and small/ medium/ large/ "
        "(https://github.com/facebookresearch/libri-light)",
    )
    parser.add_argument(
        "--librilight_limited",
        type=str2bool,
        default=True,
        help="with --librilight_root: write train_10min, train_1h, train_10h",
    )
    parser.add_argument(
        "--librilight_subsets",
        nargs="*",
        default=list(LIBRILIGHT_SUBSETS),
        help="with --librilight_root: unlabeled subsets, written together as data/librilight",
    )
    parser.add_argument(
        "--vad_target_seconds",
        type=float,
        default=VAD_TARGET_SECONDS,
        help="voiced seconds per pretraining segment (Libri-Light cut_by_vad.py's target)",
    )
    parser.add_argument(
        "--lm_text",
        type=Path,
        default=None,
        help="librispeech-lm-norm.txt[.gz], added to data/local/lm_train.txt",
    )
    parser.add_argument(
        "--drop_bad",
        type=str2bool,
        default=False,
        help="skip (log and count) bad utterances instead of failing",
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    try:
        prepare_corpus(
            args.data_dir,
            args.librispeech_root,
            parts=args.parts,
            librilight_root=args.librilight_root,
            librilight_limited=args.librilight_limited,
            librilight_subsets=args.librilight_subsets,
            vad_target_seconds=args.vad_target_seconds,
            lm_text=args.lm_text,
            drop_bad=args.drop_bad,
        )
    except CorpusError as err:
        logging.error("%s", err)
        sys.exit(1)


if __name__ == "__main__":
    main()
