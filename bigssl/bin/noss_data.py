"""NOSS task dirs from listings (``python -m bigssl.bin.prepare noss`` writes those), and their table:

    python -m bigssl.bin.noss_data format --task crema_d --listing_dir data/local/noss \\
        --data_dir data/noss --dump_dir dump/noss
    python -m bigssl.bin.noss_data section --data_dir data/noss --tasks crema_d \\
        --out exp/results_sections/noss_data.md

``format`` makes every utterance a plain 16 kHz mono file (dumping what is not) in
``<data_dir>/<task>/``, the probe's task dir; ``section`` writes the RESULTS.md table of the
formatted tasks.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.corpora.noss import format_task
from bigssl.data.corpora.noss_tasks import data_section
from bigssl.data.corpora.registry import add_drop_bad
from bigssl.io_utils import write_text_atomic


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    steps = parser.add_subparsers(dest="step", required=True)
    fmt = steps.add_parser("format", help="the probe's task dir from a listing")
    fmt.add_argument("--task", required=True)
    fmt.add_argument("--listing_dir", type=Path, required=True)
    fmt.add_argument("--data_dir", type=Path, required=True)
    fmt.add_argument(
        "--dump_dir", type=Path, required=True, help="where dumped audio goes"
    )
    fmt.add_argument("--sample_rate", type=int, default=16000)
    add_drop_bad(fmt)
    section = steps.add_parser("section", help="RESULTS.md table of formatted tasks")
    section.add_argument("--data_dir", type=Path, required=True)
    section.add_argument("--tasks", nargs="+", required=True)
    section.add_argument("--out", type=Path, required=True)
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    try:
        if args.step == "format":
            format_task(
                args.listing_dir,
                args.task,
                args.data_dir,
                args.dump_dir,
                args.sample_rate,
                args.drop_bad,
            )
        else:
            write_text_atomic(args.out, data_section(args.data_dir, args.tasks))
    except ValueError as err:  # CorpusError
        logging.error("%s", err)
        sys.exit(1)


if __name__ == "__main__":
    main()
