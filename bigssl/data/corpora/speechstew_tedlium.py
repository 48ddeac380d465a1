"""SpeechStew's TED-LIUM 3 part: ``TEDLIUM_release-3/<legacy|speaker-adaptation>/<split>/{stm,sph}/``.

One SPHERE file (16 kHz mono) and one STM file per talk; STM lines are
``<talk> <channel> <speaker> <start> <end> <o,f0,male> words...`` with ``ignore_time_segment_in_scoring``
for non-speech (skipped, as Kaldi's prepare_data.sh does) and, in older releases, a trailing
``(<talk>-<n>)`` (dropped). The speaker is the talk. Audio: a ``segments`` file over
``sph2pipe``/``sox`` commands (:func:`bigssl.data.corpora.speechstew.sph_command`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

from bigssl.data.corpora.speechstew import (
    DataSet,
    Utterance,
    corpus_error,
    normalize,
    sph_command,
    time_id,
)

CORPUS = "tedlium3"
PREFIX = "ted"
SPLITS = ("train", "dev", "test")
RELEASE_SPLITS = ("legacy", "speaker-adaptation")
IGNORE = "ignore_time_segment_in_scoring"


def _release_dir(root: Path) -> Path:
    for candidate in (root / "TEDLIUM_release-3", root):
        if any((candidate / split).is_dir() for split in RELEASE_SPLITS):
            return candidate
    raise corpus_error(
        CORPUS, root, "no TEDLIUM_release-3/legacy or speaker-adaptation directory"
    )


def read_stm(path: Path, root: Path) -> List[Tuple[str, float, float, str]]:
    """(speaker, start, end, words as written) of one talk's STM, ignore segments left out."""
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith(";;"):
            continue
        fields = line.split(None, 6)
        try:
            start, end = float(fields[3]), float(fields[4])
        except (IndexError, ValueError):
            raise corpus_error(
                CORPUS, root, f"{path}:{lineno}: not an STM line: {line!r}"
            ) from None
        words = fields[6] if len(fields) > 6 else ""
        if words.strip() == IGNORE:
            continue
        words = re.sub(
            r"\(\S*\)\s*$", "", words
        )  # trailing utterance name of older releases
        rows.append((fields[2], start, end, words))
    return rows


def read_tedlium3(
    root: Path, sph_reader: str = "sox", release_split: str = "legacy"
) -> List[DataSet]:
    """``ted_train``, ``ted_dev``, ``ted_test`` of the ``legacy`` (default) or ``speaker-adaptation`` split."""
    if release_split not in RELEASE_SPLITS:
        raise ValueError(
            f"tedlium3 release_split must be one of {RELEASE_SPLITS}, not '{release_split}'"
        )
    release = _release_dir(root)
    datasets = []
    for split in SPLITS:
        split_dir = release / release_split / split
        stms = sorted((split_dir / "stm").glob("*.stm"))
        if not stms:
            raise corpus_error(CORPUS, root, f"{split_dir / 'stm'} has no .stm files")
        dataset = DataSet(
            f"{PREFIX}_{split}", PREFIX, "train" if split == "train" else split
        )
        for stm in stms:
            talk = stm.stem
            sph = split_dir / "sph" / f"{talk}.sph"
            if not sph.is_file():
                raise corpus_error(CORPUS, root, f"{sph} (for {stm.name}) is missing")
            recording = f"{PREFIX}-{talk}"
            dataset.recordings[recording] = sph_command(sph.resolve(), 1, sph_reader)
            for speaker, start, end, words in read_stm(stm, root):
                text = normalize(CORPUS, words)
                if not text or end <= start:
                    continue
                spk = f"{PREFIX}-{speaker}"
                utt = f"{spk}-{time_id(start)}-{time_id(end)}"
                dataset.add(Utterance(utt, spk, recording, text, start, end))
        datasets.append(dataset)
    return datasets
