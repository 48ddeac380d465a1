"""Synthesize the mini corpus (espeak-ng voices x fortunes sentences) as Kaldi data dirs.

Optional flite splits (a second synthesizer domain): train_unlabeled_flite and test_flite.
"""

from __future__ import annotations

import argparse
from typing import List, Optional

from bigssl.cli import setup_logging, spec_from_args, synthesis_parser
from bigssl.data.mini.synth import CorpusSpec, build_mini_corpus


def get_parser() -> argparse.ArgumentParser:
    helps = {
        "num_labeled": None,
        "num_unlabeled": None,
        "num_dev": None,
        "num_test": None,
        "num_unlabeled_flite": "utterances of train_unlabeled_flite (flite voices; "
        "0: no such split)",
        "num_test_flite": "utterances of test_flite (held-out flite voice; 0: no such split)",
        "seed": None,
    }
    return synthesis_parser(
        __doc__,
        CorpusSpec(),
        helps,
        audio_dir_help="where WAVs and spec.json go",
        data_dir_help="where the Kaldi data dirs go",
    )


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    spec = spec_from_args(CorpusSpec(), args)
    build_mini_corpus(args.audio_dir, args.data_dir, spec, nj=args.nj)


if __name__ == "__main__":
    main()
