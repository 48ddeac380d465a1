"""Combine data dirs (audio and speakers only) into one, e.g. for pretraining on unlabeled audio.

Utterance ids must be unique across the inputs; a clash is an error naming the id. Transcripts
are never copied: the output is unlabeled by construction.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.kaldi_dir import combine_data_dirs


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("sources", type=Path, nargs="+")
    args = parser.parse_args(argv)
    setup_logging()
    combine_data_dirs(args.sources, args.out)


if __name__ == "__main__":
    main()
