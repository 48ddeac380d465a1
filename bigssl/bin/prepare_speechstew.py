"""Prepare SpeechStew's corpora (AMI, Broadcast News, Common Voice, LibriSpeech, Switchboard/Fisher,
TED-LIUM 3, WSJ; Hub5'00 for testing) from their release layouts as Kaldi data dirs, the combined
training set data/train_speechstew (per-corpus weights), data/dev_speechstew and the list of
per-corpus test sets (data/speechstew_test_sets). A corpus whose root is empty is skipped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.corpora.common import CorpusError
from bigssl.data.corpora.speechstew_corpora import READERS, prepare_speechstew


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    for corpus in READERS:
        parser.add_argument(
            f"--{corpus}_root", default="", help=f"{corpus} release root ('' skips it)"
        )
    parser.add_argument(
        "--data_dir", type=Path, default=Path("data"), help="where the data dirs go"
    )
    parser.add_argument(
        "--weights",
        default="",
        help="per-corpus sampling weights, e.g. 'ami_ihm=2,bn=0.5' (default 1 each)",
    )
    parser.add_argument(
        "--sph_reader",
        choices=["", "sph2pipe", "sox"],
        default="",
        help="SPHERE reader ('': sph2pipe if installed, else sox)",
    )
    parser.add_argument(
        "--ami_mics", default="ihm,sdm", help="AMI microphones: ihm, sdm or both"
    )
    parser.add_argument(
        "--commonvoice_train",
        choices=["train", "validated"],
        default="train",
        help="Common Voice training TSV",
    )
    parser.add_argument(
        "--tedlium3_split",
        choices=["legacy", "speaker-adaptation"],
        default="legacy",
        help="TED-LIUM 3 split",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the fractional-weight subsampling"
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    try:
        prepare_speechstew(
            {corpus: getattr(args, f"{corpus}_root") for corpus in READERS},
            args.data_dir,
            weights=args.weights,
            sph_reader=args.sph_reader,
            options={
                "ami": {"mics": args.ami_mics},
                "commonvoice": {"train_tsv": args.commonvoice_train},
                "tedlium3": {"release_split": args.tedlium3_split},
            },
            seed=args.seed,
        )
    except (CorpusError, ValueError) as exc:
        print(f"prepare_speechstew: error: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
