"""CREMA-D emotion recognition (6 classes) from its release layout.

``<root>/AudioWAV/<actor>_<sentence>_<emotion>_<level>.wav`` (16 kHz mono; 91 actors 1001-1091,
12 sentences, emotions ANG DIS FEA HAP NEU SAD, intensity LO MD HI or XX), as in the GitHub
repository (its audio is stored with Git LFS). The label is the emotion. Splits are
speaker-disjoint: 70 / 10 / 20 % of the actors, shuffled with numpy ``RandomState(0)`` (TFDS'
``crema_d`` rule, so the same actors land in the same split).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

from bigssl.data.corpora.noss import (
    Corpus,
    CorpusError,
    Item,
    Problems,
    TaskData,
    require_dir,
    speaker_disjoint,
)

CORPUS = Corpus(
    "CREMA-D",
    "https://github.com/CheyneyComputerScience/CREMA-D (audio in Git LFS; local/download.sh "
    "fetches AudioWAV/)",
    "Open Database License",
)
EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
FRACTIONS = (("train", 0.7), ("dev", 0.1), ("test", 0.2))
_NAME = re.compile(r"^(\d{4})_([A-Z]{3})_(ANG|DIS|FEA|HAP|NEU|SAD)_([A-Z]{1,2})\.wav$")


def read_crema_d(root: Path, problems: Problems) -> TaskData:
    """Every clip of ``<root>/AudioWAV`` (see the module doc); a malformed name goes to ``problems``."""
    audio_dir = require_dir(root / "AudioWAV", CORPUS, "CREMA-D's AudioWAV")
    found: List[Item] = []
    for wav in sorted(audio_dir.iterdir()):
        if wav.name.startswith(".") or not wav.name.lower().endswith(".wav"):
            continue
        match = _NAME.match(wav.name)
        if not match:
            problems.add(
                wav,
                "expected <actor>_<sentence>_<ANG|DIS|FEA|HAP|NEU|SAD>_<level>.wav",
            )
            continue
        found.append(Item(wav.stem, str(wav.resolve()), match.group(3), match.group(1)))
    if not found:
        raise CorpusError(f"{audio_dir}: no clip; {CORPUS.obtain()}")
    return TaskData(
        "crema_d",
        CORPUS,
        speaker_disjoint(found, FRACTIONS),
        "speaker-disjoint 70/10/20 % of the actors, shuffled with numpy RandomState(0) as TFDS' "
        "crema_d; label = emotion",
    )
