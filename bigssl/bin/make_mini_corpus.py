"""Synthesize the mini corpus (espeak-ng voices x fortunes sentences) as Kaldi data dirs.

Optional flite splits (a second synthesizer domain): train_unlabeled_flite and test_flite.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.mini.synth import CorpusSpec, build_mini_corpus


def get_parser() -> argparse.ArgumentParser:
    defaults = CorpusSpec()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--audio_dir", type=Path, required=True, help="where WAVs and spec.json go"
    )
    parser.add_argument(
        "--data_dir", type=Path, required=True, help="where the Kaldi data dirs go"
    )
    parser.add_argument("--num_labeled", type=int, default=defaults.num_labeled)
    parser.add_argument("--num_unlabeled", type=int, default=defaults.num_unlabeled)
    parser.add_argument("--num_dev", type=int, default=defaults.num_dev)
    parser.add_argument("--num_test", type=int, default=defaults.num_test)
    parser.add_argument(
        "--num_unlabeled_flite",
        type=int,
        default=defaults.num_unlabeled_flite,
        help="utterances of train_unlabeled_flite (flite voices; 0: no such split)",
    )
    parser.add_argument(
        "--num_test_flite",
        type=int,
        default=defaults.num_test_flite,
        help="utterances of test_flite (held-out flite voice; 0: no such split)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument(
        "--nj", type=int, default=2, help="parallel synthesis processes"
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    spec = CorpusSpec(
        num_labeled=args.num_labeled,
        num_unlabeled=args.num_unlabeled,
        num_dev=args.num_dev,
        num_test=args.num_test,
        num_unlabeled_flite=args.num_unlabeled_flite,
        num_test_flite=args.num_test_flite,
        seed=args.seed,
    )
    build_mini_corpus(args.audio_dir, args.data_dir, spec, nj=args.nj)


if __name__ == "__main__":
    main()
