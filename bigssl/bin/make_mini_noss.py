"""Synthesize mini-NOSS (speaker, accent, language, synthesizer, speaking rate) as labeled data dirs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.mini.noss import NossSpec, build_mini_noss


def get_parser() -> argparse.ArgumentParser:
    defaults = NossSpec()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--audio_dir", type=Path, required=True, help="where the WAVs go"
    )
    parser.add_argument(
        "--data_dir", type=Path, required=True, help="where <task>/<split> dirs go"
    )
    parser.add_argument(
        "--num_train", type=int, default=defaults.num_train, help="utterances per task"
    )
    parser.add_argument(
        "--num_dev", type=int, default=defaults.num_dev, help="utterances per task"
    )
    parser.add_argument(
        "--num_test", type=int, default=defaults.num_test, help="utterances per task"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--nj", type=int, default=2, help="parallel synthesis processes"
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    spec = NossSpec(
        num_train=args.num_train,
        num_dev=args.num_dev,
        num_test=args.num_test,
        seed=args.seed,
    )
    build_mini_noss(args.audio_dir, args.data_dir, spec, nj=args.nj)


if __name__ == "__main__":
    main()
