"""Validate a Kaldi data dir and copy it (optionally without bad utterances) for training.

A data dir with a ``segments`` file, piped ``wav.scp`` entries, another sample rate, several
channels or a compressed codec first has its audio dumped (one mono file per utterance at --fs) to
--format_dir, as ESPnet's asr.sh format stage does; the copy then points at those files.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from espnet2.utils.types import str2bool

from bigssl.cli import setup_logging
from bigssl.data.format_audio import AUDIO_FORMATS, format_if_needed
from bigssl.data.validate import (
    MAX_SECONDS,
    MIN_SECONDS,
    ValidationError,
    validate_and_copy,
)


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", type=Path, required=True, help="data dir to check")
    parser.add_argument(
        "--dst", type=Path, required=True, help="where the validated copy goes"
    )
    parser.add_argument(
        "--fs", type=int, default=16000, help="sample rate of the training audio"
    )
    parser.add_argument(
        "--audio_format",
        choices=AUDIO_FORMATS,
        default="flac",
        help="format of dumped audio (when the data dir needs dumping)",
    )
    parser.add_argument(
        "--audio_channel",
        type=int,
        default=0,
        help="channel kept of multi-channel audio (0-based; mono audio is used as it is)",
    )
    parser.add_argument(
        "--format_dir",
        type=Path,
        default=None,
        help="where dumped audio and its data dir go (default: DST/../org/<name of DST>)",
    )
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
    format_dir = args.format_dir or args.dst.parent / "org" / args.dst.name
    try:
        src, failed = format_if_needed(
            args.src,
            format_dir,
            sample_rate=args.fs,
            audio_format=args.audio_format,
            channel=args.audio_channel,
            drop_bad=args.drop_bad,
        )
        validate_and_copy(
            src,
            args.dst,
            sample_rate=args.fs,
            require_text=args.require_text,
            drop_bad=args.drop_bad,
            min_seconds=args.min_wav_duration,
            max_seconds=args.max_wav_duration,
            upstream_problems=failed,
        )
    except (ValidationError, FileNotFoundError) as exc:
        logging.error("%s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
