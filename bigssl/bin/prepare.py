"""Prepare a corpus as Kaldi data dirs from its release layout (or your own data):

    python -m bigssl.bin.prepare <corpus> [options]
    python -m bigssl.bin.prepare <corpus> --help

The corpora, their options and their prepare functions: bigssl.data.corpora.registry.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.corpora.registry import CORPORA


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bigssl.bin.prepare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    corpora = parser.add_subparsers(
        dest="corpus", metavar="corpus", title="corpora", required=True
    )
    for name, corpus in CORPORA.items():
        corpus.add_arguments(
            corpora.add_parser(
                name,
                help=corpus.help,
                description=corpus.description,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
        )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    try:
        CORPORA[args.corpus].prepare(args)
    except ValueError as err:  # every corpus error is one (CorpusError, ...)
        logging.error("%s", err)
        sys.exit(1)


if __name__ == "__main__":
    main()
