"""SpeechStew's WSJ part: the disc directories of WSJ0 (LDC93S6B, ``11-*.1``) and WSJ1 (LDC94S13B, ``13-*.1``).

Sets come from the discs' index files, as in Kaldi's wsj_data_prep.sh: ``wsj_train`` = SI-284
(``11-13.1/wsj0/doc/indices/train/tr_s_wv1.ndx`` + ``13-34.1/wsj1/doc/indices/si_tr_s.ndx``, less
speaker 401 of ``11-2.1``), ``wsj_dev93`` (``13-34.1/wsj1/doc/indices/h1_p0.ndx``) and ``wsj_eval92``
(``11-13.1/wsj0/doc/indices/test/nvp/si_et_20.ndx``). Index lines read ``11_1_1:wsj0/si_tr_s/01i/
01ic0201.wv1`` (disc ``11-1.1``; eval92's omit ``.wv1``). Transcripts are the ``.dot`` files anywhere
on the discs, one per speaker session (``01ic0200.dot``), lines ``words (01ic0201)``. The ``.wv1``
files are 16 kHz SPHERE, usually shorten-compressed: read with sph2pipe (sox cannot).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Dict, List, Tuple

from bigssl.data.corpora.common import find_under
from bigssl.data.corpora.speechstew import (
    DataSet,
    Utterance,
    corpus_error,
    normalize,
    sph_command,
)

logger = logging.getLogger(__name__)

CORPUS = "wsj"
PREFIX = "wsj"
DISC = re.compile(r"\d\d-\d+\.\d")
INDICES: Dict[str, Tuple[str, List[Tuple[str, str]]]] = {
    "wsj_train": (
        "train",
        [
            ("11-13.1", "wsj0/doc/indices/train/tr_s_wv1.ndx"),
            ("13-34.1", "wsj1/doc/indices/si_tr_s.ndx"),
        ],
    ),
    "wsj_dev93": ("dev", [("13-34.1", "wsj1/doc/indices/h1_p0.ndx")]),
    "wsj_eval92": ("test", [("11-13.1", "wsj0/doc/indices/test/nvp/si_et_20.ndx")]),
}
EXCLUDED = "11-2.1/wsj0/si_tr_s/401/"  # left out of SI-284 by Kaldi's recipe


def find_discs(root: Path) -> Dict[str, Path]:
    """Disc name (``11-13.1``) -> directory, for discs directly under ``root`` or one level below
    (``LDC93S6B/11-13.1``, ``csr_1/11-13.1``)."""
    discs: Dict[str, Path] = {}
    for level in (
        sorted(root.iterdir()),
        sorted(p for d in root.iterdir() if d.is_dir() for p in d.iterdir()),
    ):
        for path in level:
            if path.is_dir() and DISC.fullmatch(path.name):
                discs.setdefault(path.name, path)
    return discs


def read_index(index: Path, discs: Dict[str, Path], root: Path) -> List[Path]:
    """The ``.wv1`` files an index file lists, as paths on the discs found."""
    files = []
    for lineno, line in enumerate(index.read_text(encoding="latin-1").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        match = re.fullmatch(r"(\d+)_(\d+)_(\d+):\s*/?(\S+)", line)
        if match is None:
            raise corpus_error(
                CORPUS, root, f"{index}:{lineno}: not an index line: {line!r}"
            )
        disc = f"{match.group(1)}-{match.group(2)}.{match.group(3)}"
        relative = (
            match.group(4)
            if match.group(4).lower().endswith(".wv1")
            else f"{match.group(4)}.wv1"
        )
        if f"{disc}/{relative}".startswith(EXCLUDED):
            continue
        if disc not in discs:
            raise corpus_error(
                CORPUS, root, f"disc {disc} (listed in {index.name}) is missing"
            )
        path = discs[disc] / relative
        if not path.is_file() and (discs[disc] / relative.upper()).is_file():
            path = (
                discs[disc] / relative.upper()
            )  # disc 13-16.1 came with upper-case names
        if not path.is_file():
            raise corpus_error(
                CORPUS, root, f"{path} (listed in {index.name}) is missing"
            )
        files.append(path)
    return files


def read_dot_files(discs: Dict[str, Path]) -> Dict[str, str]:
    """Utterance id (``01ic0201``) -> transcript as written, from every ``.dot`` file on the discs."""
    transcripts: Dict[str, str] = {}
    for disc in discs.values():
        for dot in find_under(disc, "*"):
            if dot.suffix.lower() != ".dot" or not dot.is_file():
                continue
            for line in dot.read_text(encoding="latin-1").splitlines():
                match = re.fullmatch(r"(.*)\((\w{8})\)\s*", line)
                if match:
                    transcripts[match.group(2).lower()] = match.group(1)
    return transcripts


def read_wsj(root: Path, sph_reader: str = "sph2pipe") -> List[DataSet]:
    """``wsj_train`` (SI-284), ``wsj_dev93``, ``wsj_eval92``; the speaker is the id's first 3 characters."""
    discs = find_discs(root)
    if not discs:
        raise corpus_error(CORPUS, root, "no WSJ disc directories (11-1.1 ... 13-34.1)")
    for disc, relative in {pair for _, pairs in INDICES.values() for pair in pairs}:
        if disc not in discs or not (discs[disc] / relative).is_file():
            raise corpus_error(CORPUS, root, f"index file {disc}/{relative} is missing")
    transcripts = read_dot_files(discs)
    datasets = []
    for name, (split, indices) in INDICES.items():
        dataset = DataSet(name, PREFIX, split)
        untranscribed = []
        for disc, relative in indices:
            for path in read_index(discs[disc] / relative, discs, root):
                utt = path.stem.lower()
                if utt not in transcripts:
                    untranscribed.append(utt)
                    continue
                text = normalize(CORPUS, transcripts[utt])
                if not text:
                    continue
                utt_id = f"{PREFIX}-{utt}"
                dataset.recordings[utt_id] = sph_command(path.resolve(), 1, sph_reader)
                dataset.add(Utterance(utt_id, f"{PREFIX}-{utt[:3]}", utt_id, text))
        if untranscribed:
            logger.warning(
                "wsj: %s: %d utterance(s) without a .dot transcript left out (e.g. %s)",
                name,
                len(untranscribed),
                untranscribed[:3],
            )
        datasets.append(dataset)
    return datasets
