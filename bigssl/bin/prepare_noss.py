"""NOSS task dirs from the corpora's release layouts (egs/noss/probe1), in three steps:

    python -m bigssl.bin.prepare_noss prepare --task crema_d --root /data/CREMA-D --listing_dir data/local/noss
    python -m bigssl.bin.prepare_noss format --task crema_d --listing_dir data/local/noss \\
        --data_dir data/noss --dump_dir dump/noss
    python -m bigssl.bin.prepare_noss section --data_dir data/noss --tasks crema_d --out exp/results_sections/noss_data.md

``prepare`` lists a task's utterances, labels and splits; ``format`` makes every utterance a plain
16 kHz mono file (dumping what is not) in ``<data_dir>/<task>/``, the probe's task dir; ``section``
writes the RESULTS.md table of the prepared tasks.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from espnet2.utils.types import str2bool

from bigssl.cli import setup_logging
from bigssl.data.corpora.noss import CorpusError, format_task
from bigssl.data.corpora.noss_tasks import TASKS, data_section, prepare_task
from bigssl.io_utils import write_text_atomic


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    steps = parser.add_subparsers(dest="step", required=True)
    prepare = steps.add_parser("prepare", help="list a task from its corpus")
    prepare.add_argument("--task", required=True, help=f"one of {', '.join(TASKS)}")
    prepare.add_argument(
        "--root", type=Path, required=True, help="the corpus as released"
    )
    prepare.add_argument(
        "--test_root",
        type=Path,
        default=None,
        help="speech_commands only: the extracted speech_commands_test_set_v0.02 as test",
    )
    prepare.add_argument("--listing_dir", type=Path, required=True)
    fmt = steps.add_parser("format", help="the probe's task dir from a listing")
    fmt.add_argument("--task", required=True)
    fmt.add_argument("--listing_dir", type=Path, required=True)
    fmt.add_argument("--data_dir", type=Path, required=True)
    fmt.add_argument(
        "--dump_dir", type=Path, required=True, help="where dumped audio goes"
    )
    fmt.add_argument("--sample_rate", type=int, default=16000)
    for step in (prepare, fmt):
        step.add_argument(
            "--drop_bad",
            type=str2bool,
            default=False,
            help="skip (log and count) bad utterances instead of failing",
        )
    section = steps.add_parser("section", help="RESULTS.md table of prepared tasks")
    section.add_argument("--data_dir", type=Path, required=True)
    section.add_argument("--tasks", nargs="+", required=True)
    section.add_argument("--out", type=Path, required=True)
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    try:
        if args.step == "prepare":
            prepare_task(
                args.task, args.root, args.listing_dir, args.drop_bad, args.test_root
            )
        elif args.step == "format":
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
    except CorpusError as err:
        logging.error("%s", err)
        sys.exit(1)


if __name__ == "__main__":
    main()
