"""Clean English sentences from the Debian ``fortunes`` package, normalized for ASR."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, List

DEFAULT_FORTUNE_DIR = Path("/usr/share/games/fortunes")
# Collections that are mostly ASCII art, code or non-prose.
_SKIP_COLLECTIONS = {"art", "ascii-art", "perl", "translate-me", "zippy", "songs-poems"}
_ALLOWED = re.compile(r"^[A-Za-z ,.;:'!?\-\"]+$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def normalize_transcript(sentence: str) -> str:
    """Upper-case, drop punctuation except word-internal apostrophes, collapse spaces."""
    text = sentence.upper().replace("-", " ")
    text = re.sub(r"[^A-Z' ]", " ", text)
    text = re.sub(r"(?<![A-Z])'|'(?![A-Z])", " ", text)
    return " ".join(text.split())


def _entries(path: Path) -> Iterable[str]:
    lines: List[str] = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if raw.strip() == "%":
            if lines:
                yield " ".join(lines)
            lines = []
            continue
        stripped = raw.strip()
        if stripped.startswith("--") or raw.startswith("\t\t"):
            continue  # attribution line
        if stripped:
            lines.append(stripped)
    if lines:
        yield " ".join(lines)


def load_fortune_sentences(
    fortune_dir: Path = DEFAULT_FORTUNE_DIR, min_words: int = 3, max_words: int = 12
) -> List[str]:
    """Return sorted unique normalized sentences with ``min_words..max_words`` words."""
    fortune_dir = Path(fortune_dir)
    files = (
        sorted(
            p
            for p in fortune_dir.iterdir()
            if p.is_file() and "." not in p.name and p.name not in _SKIP_COLLECTIONS
        )
        if fortune_dir.is_dir()
        else []
    )
    if not files:
        raise FileNotFoundError(
            f"no fortune files in {fortune_dir}; install the Debian package 'fortunes'"
        )
    sentences = set()
    for path in files:
        for entry in _entries(path):
            for sentence in _SENTENCE_END.split(" ".join(entry.split())):
                if not _ALLOWED.match(sentence) or sentence.isupper():
                    continue
                text = normalize_transcript(sentence)
                if min_words <= len(text.split()) <= max_words:
                    sentences.add(text)
    return sorted(sentences)
