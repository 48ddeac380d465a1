"""Score a hypothesis ``text`` file against a reference ``text`` file (WER or CER).

Writes ``result.json`` (the sclite-style table row) and ``alignments.txt`` into ``--out_dir``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.score.wer import write_score_dir


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ref", type=Path, required=True)
    parser.add_argument("--hyp", type=Path, required=True)
    parser.add_argument("--out_dir", type=Path, required=True)
    parser.add_argument("--unit", choices=["word", "char"], default="word")
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    write_score_dir(args.ref, args.hyp, args.out_dir, args.unit)


if __name__ == "__main__":
    main()
