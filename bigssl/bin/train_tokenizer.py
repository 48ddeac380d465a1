"""Train a sentencepiece model on a Kaldi ``text`` file and write ESPnet's token list."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.data.tokenizer import train_tokenizer


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--text", type=Path, required=True, help="Kaldi text file (utt-id transcript)"
    )
    parser.add_argument("--out_dir", type=Path, required=True)
    parser.add_argument("--vocab_size", type=int, default=150)
    parser.add_argument(
        "--model_type", choices=["unigram", "bpe", "char"], default="unigram"
    )
    args = parser.parse_args(argv)
    setup_logging()
    train_tokenizer(args.text, args.out_dir, args.vocab_size, args.model_type)


if __name__ == "__main__":
    main()
