"""Validate a Kaldi data dir and copy it (optionally without bad utterances) for training."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from espnet2.utils.types import str2bool

from bigssl.cli import setup_logging
from bigssl.data.validate import (
    MAX_SECONDS,
    MIN_SECONDS,
    DataDirError,
    validate_and_copy,
)


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", type=Path, required=True, help="data dir to check")
    parser.add_argument(
        "--dst", type=Path, required=True, help="where the validated copy goes"
    )
    parser.add_argument("--fs", type=int, default=16000, help="expected sample rate")
    parser.add_argument("--require_text", type=str2bool, default=True)
    parser.add_argument(
        "--min_wav_duration",
        type=float,
        default=MIN_SECONDS,
        help="shorter utterances are bad (seconds; 0: no bound)",
    )
    parser.add_argument(
        "--max_wav_duration",
        type=float,
        default=MAX_SECONDS,
        help="longer utterances are bad (seconds; 0: no bound)",
    )
    parser.add_argument(
        "--drop_bad",
        type=str2bool,
        default=False,
        help="drop bad utterances (logged, counted, listed in DST/dropped_utts) instead of failing",
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    try:
        validate_and_copy(
            args.src,
            args.dst,
            sample_rate=args.fs,
            require_text=args.require_text,
            drop_bad=args.drop_bad,
            min_seconds=args.min_wav_duration,
            max_seconds=args.max_wav_duration,
        )
    except (DataDirError, FileNotFoundError) as exc:
        logging.error("%s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
