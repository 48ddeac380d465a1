"""Synthesize mini-NOSS (speaker, accent, language, synthesizer, speaking rate) as labeled data dirs."""

from __future__ import annotations

import argparse
from typing import List, Optional

from bigssl.cli import setup_logging, spec_from_args, synthesis_parser
from bigssl.data.mini.noss import NossSpec, build_mini_noss


def get_parser() -> argparse.ArgumentParser:
    per_task = "utterances per task"
    return synthesis_parser(
        __doc__,
        NossSpec(),
        {
            "num_train": per_task,
            "num_dev": per_task,
            "num_test": per_task,
            "seed": None,
        },
        audio_dir_help="where the WAVs go",
        data_dir_help="where <task>/<split> dirs go",
    )


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    build_mini_noss(
        args.audio_dir, args.data_dir, spec_from_args(NossSpec(), args), nj=args.nj
    )


if __name__ == "__main__":
    main()
