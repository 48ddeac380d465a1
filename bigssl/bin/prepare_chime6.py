"""Kaldi data dirs (with segments) from the array-synchronized CHiME-6 release.

Writes data/{train,dev,eval}_worn (each utterance from its speaker's worn mic), data/{dev,eval}_array
(from one microphone of an array) and, with --speed_perturb, data/train_worn_sp; see
bigssl.data.corpora.chime6 for the layout read and the text normalization.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.corpora.chime6 import (
    BAD_WORN,
    WORN_CHANNELS,
    Chime6Options,
    ChimeDataError,
    prepare_chime6,
)


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--chime6_root",
        type=Path,
        required=True,
        help="holds audio/{train,dev,eval} and transcriptions/{train,dev,eval}",
    )
    parser.add_argument("--data_dir", type=Path, default=Path("data"))
    parser.add_argument(
        "--mic",
        nargs="+",
        default=["worn", "array"],
        help="worn: {train,dev,eval}_worn; array: {dev,eval}_array",
    )
    parser.add_argument(
        "--worn_channel",
        choices=WORN_CHANNELS,
        default="stereo",
        help="stereo: the 2-channel file (the pipeline's --audio_channel picks one); "
        "left/right: one channel by a sox pipe; both: two recordings per worn mic",
    )
    parser.add_argument(
        "--array",
        default="ref",
        help="ref: each utterance's reference array (the transcript's 'ref'); or U01..U06",
    )
    parser.add_argument(
        "--array_channel", type=int, default=1, help="microphone of the array, 1..4"
    )
    parser.add_argument(
        "--speed_perturb",
        nargs="*",
        default=[],
        help="speed factors of data/train_worn_sp, e.g. 0.9 1.0 1.1 (none: no such set)",
    )
    parser.add_argument(
        "--exclude_worn",
        nargs="*",
        default=list(BAD_WORN),
        help="<speaker>_<session> worn mics left out (default: the Kaldi baseline's)",
    )
    parser.add_argument(
        "--drop_bad",
        choices=["true", "false"],
        default="false",
        help="skip utterances with problems (logged, counted) instead of failing",
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    options = Chime6Options(
        mics=args.mic,
        worn_channel=args.worn_channel,
        array=args.array,
        array_channel=args.array_channel,
        speed_perturb=args.speed_perturb,
        exclude_worn=args.exclude_worn,
        drop_bad=args.drop_bad == "true",
    )
    try:
        prepare_chime6(args.chime6_root, args.data_dir, options)
    except (ChimeDataError, ValueError) as exc:
        logging.error("%s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
