"""SAVEE (Surrey Audio-Visual Expressed Emotion) emotion recognition, 7 classes.

Layout of ``AudioData.zip`` (``Data/Zip/AudioData.zip`` of the release, given after registration),
extracted into ``root``: ``<root>/AudioData/<speaker>/<code><nn>.wav`` for the four male speakers
DC, JE, JK, KL (44.1 kHz; the format step resamples), where the code is the emotion: a anger,
d disgust, f fear, h happiness, n neutral, sa sadness, su surprise. Splits are speaker-disjoint:
60 / 20 / 20 % of the speakers (2 / 1 / 1), shuffled with numpy ``RandomState(0)`` as TFDS' ``savee``.
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
    safe_id,
    speaker_disjoint,
)

CORPUS = Corpus(
    "SAVEE",
    "http://kahlan.eps.surrey.ac.uk/savee/ (register at "
    "http://personal.ee.surrey.ac.uk/Personal/P.Jackson/SAVEE/Register.html; extract "
    "Data/Zip/AudioData.zip)",
    "free for research after registration",
)
EMOTIONS = {
    "a": "anger",
    "d": "disgust",
    "f": "fear",
    "h": "happiness",
    "n": "neutral",
    "sa": "sadness",
    "su": "surprise",
}
FRACTIONS = (("train", 0.6), ("dev", 0.2), ("test", 0.2))
_NAME = re.compile(r"^(a|d|f|h|n|sa|su)(\d+)\.wav$")


def read_savee(root: Path, problems: Problems) -> TaskData:
    """Every ``AudioData/<speaker>/*.wav`` of ``root`` (see the module doc)."""
    audio_dir = require_dir(root / "AudioData", CORPUS, "the extracted AudioData.zip")
    found: List[Item] = []
    for speaker_dir in sorted(p for p in audio_dir.iterdir() if p.is_dir()):
        for wav in sorted(speaker_dir.glob("*.wav")):
            match = _NAME.match(wav.name)
            if not match:
                problems.add(
                    wav, f"expected <{'|'.join(EMOTIONS)}><nn>.wav (the emotion code)"
                )
                continue
            speaker = speaker_dir.name
            utt = safe_id(speaker, wav.stem)
            emotion = EMOTIONS[match.group(1)]
            found.append(Item(utt, str(wav.resolve()), emotion, speaker))
    if not found:
        raise CorpusError(f"{audio_dir}: no <speaker>/*.wav; {CORPUS.obtain()}")
    return TaskData(
        "savee",
        CORPUS,
        speaker_disjoint(found, FRACTIONS),
        "speaker-disjoint 60/20/20 % of the speakers, shuffled with numpy RandomState(0) as "
        "TFDS' savee; label = emotion",
    )
