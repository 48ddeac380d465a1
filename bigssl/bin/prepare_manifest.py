"""Bring your own data: Kaldi data dirs or CSV/JSONL manifests (+ unlabeled audio) -> data/<set>.

    python -m bigssl.bin.prepare_manifest --out_dir data --train train.csv --dev dev.jsonl \\
        --test test.csv --test /corpora/vs/kaldi/test_noisy --unlabeled_dir /corpora/vs/untranscribed

Each of --train/--dev/--test is a Kaldi data dir or a manifest (.csv with a header row, or .jsonl):
path, text, speaker and optional start, end (seconds), id. Test sets are named after the input
(dir name or file stem). Unlabeled audio (--unlabeled_dir, recursive .wav .flac .mp3 .ogg, and/or
--unlabeled_manifest) goes to data/unlabeled. Errors name the file and line of each bad row;
--drop_bad true skips them (logged, counted). See bigssl.data.corpora.manifest.

With --subsets_of DIR it instead writes nested labeled fractions of the data dir DIR for the
data-efficiency study (OUT_DIR/<name>_p<f>, OUT_DIR/<name>_p<f>_rest; see write_nested_subsets):

    python -m bigssl.bin.prepare_manifest --out_dir data --subsets_of dump/raw/train --subsets_name train \\
        --fractions 1 3 10 100 --pool_dirs data/unlabeled
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from espnet2.utils.types import str2bool

from bigssl.cli import setup_logging
from bigssl.data.corpora.manifest import (
    TEXT_NORMS,
    ManifestError,
    prepare_data_dirs,
    write_nested_subsets,
)


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out_dir", type=Path, required=True, help="usually data")
    parser.add_argument("--train", type=Path, help="labeled training data")
    parser.add_argument("--dev", type=Path, help="labeled validation data")
    parser.add_argument(
        "--test", type=Path, action="append", default=[], help="a test set (repeat)"
    )
    parser.add_argument("--unlabeled_dir", type=Path, help="directory tree of audio")
    parser.add_argument("--unlabeled_manifest", type=Path, help="CSV/JSONL with path")
    parser.add_argument("--lm_text", type=Path, help="-> OUT_DIR/local/lm_train.txt")
    parser.add_argument("--drop_bad", type=str2bool, default=False)
    parser.add_argument(
        "--text_norm",
        choices=TEXT_NORMS,
        default="written",
        help="written: lower case, no punctuation, numbers and symbols spelled out (WER counts "
        "words); verbatim: transcripts as given",
    )
    parser.add_argument(
        "--read_durations",
        type=str2bool,
        default=True,
        help="read every audio header for the hours in OUT_DIR/local/corpus_hours.json",
    )
    parser.add_argument(
        "--subsets_of",
        type=Path,
        help="write nested fractions of this data dir instead",
    )
    parser.add_argument(
        "--subsets_name", help="their name prefix (default: DIR's name)"
    )
    parser.add_argument(
        "--fractions", nargs="+", default=[], help="percent, e.g. 1 3 10"
    )
    parser.add_argument(
        "--pool_dirs", type=Path, nargs="*", default=[], help="unlabeled data dirs"
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    parser = get_parser()
    args = parser.parse_args(argv)
    if args.subsets_of is None and (args.train is None or args.dev is None):
        parser.error("--train and --dev are required (or --subsets_of)")
    if args.subsets_of is not None and not args.fractions:
        parser.error("--subsets_of needs --fractions")
    setup_logging()
    try:
        if args.subsets_of is not None:
            write_nested_subsets(
                args.subsets_of,
                args.out_dir,
                args.fractions,
                args.seed,
                args.pool_dirs,
                args.subsets_name,
            )
        else:
            prepare_data_dirs(
                args.out_dir,
                args.train,
                args.dev,
                args.test,
                args.unlabeled_dir,
                args.unlabeled_manifest,
                args.lm_text,
                args.drop_bad,
                args.read_durations,
                args.text_norm,
            )
    except ManifestError as exc:
        logging.error("%s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
