"""Train a sentencepiece model on a Kaldi ``text`` file and write ESPnet's token list."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import List, Optional

import sentencepiece as spm

from bigssl.io_utils import atomic_open, read_kv

BLANK, UNK, SOS_EOS = "<blank>", "<unk>", "<sos/eos>"


def train_tokenizer(
    text_file: Path, out_dir: Path, vocab_size: int, model_type: str = "unigram"
) -> Path:
    """Write ``out_dir/bpe.model`` and ``out_dir/tokens.txt`` (ESPnet order: blank, unk, pieces, sos/eos)."""
    transcripts = [t for t in read_kv(text_file).values() if t]
    if not transcripts:
        raise ValueError(f"{text_file}: no transcripts to train a tokenizer on")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        corpus = Path(tmp) / "train.txt"
        corpus.write_text("\n".join(transcripts) + "\n", encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(Path(tmp) / "bpe"),
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=1.0,
            input_sentence_size=100_000_000,
            unk_surface=UNK,
            minloglevel=2,
        )
        processor = spm.SentencePieceProcessor(model_file=str(Path(tmp) / "bpe.model"))
        pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
        pieces = [p for p in pieces if p not in ("<unk>", "<s>", "</s>")]
        (Path(tmp) / "bpe.model").replace(out_dir / "bpe.model")
    with atomic_open(out_dir / "tokens.txt") as handle:
        handle.write("\n".join([BLANK, UNK, *pieces, SOS_EOS]) + "\n")
    logging.info(
        "tokenizer: %d pieces from %d transcripts -> %s",
        len(pieces),
        len(transcripts),
        out_dir,
    )
    return out_dir / "tokens.txt"
