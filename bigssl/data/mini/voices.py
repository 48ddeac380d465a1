"""Speakers of the synthetic corpus.

espeak-ng speakers are an accent voice plus a variant (timbre); the optional second domain uses
the four English voices of flite, a different synthesizer (diphone and clustergen voices).
"""

from __future__ import annotations

from typing import Dict, List

# English accent voices shipped with espeak-ng-data (the mbrola voices need extra packages).
ACCENTS: List[str] = [
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-us-nyc",
]

# Human-sounding variants (robotic/whisper ones are left out). Held-out variants make the
# dev and test speakers disjoint from the training speakers.
TRAIN_VARIANTS: List[str] = [
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "m6",
    "f1",
    "f2",
    "f3",
    "klatt",
    "klatt2",
    "klatt3",
    "adam",
    "Andy",
    "Annie",
    "aunty",
    "benjamin",
    "caleb",
    "david",
    "ed",
    "edward",
    "john",
    "linda",
    "max",
    "Michael",
    "paul",
    "pedro",
    "quincy",
    "robert",
    "steph",
    "travis",
]
DEV_VARIANTS: List[str] = ["m8", "f5", "klatt4", "rob", "Alex"]
TEST_VARIANTS: List[str] = [
    "m7",
    "f4",
    "klatt5",
    "victor",
    "shelby",
    "norbert",
    "grandma",
]

SPLIT_VARIANTS: Dict[str, List[str]] = {
    "train_labeled": TRAIN_VARIANTS,
    "train_unlabeled": TRAIN_VARIANTS,
    "dev": DEV_VARIANTS,
    "test": TEST_VARIANTS,
}


# flite voices (Debian package flite): kal is a diphone voice at 8 kHz, awb (Scottish male), rms
# (US male) and slt (US female) are 16 kHz clustergen voices. The flite test set holds out rms so
# that a gain from unlabeled flite audio shows adaptation to the synthesizer, not to the test
# voices. rms rather than slt: the unlabeled voices then still span both sexes and both voice
# technologies, so the test differs from them only by speaker, not also by sex.
FLITE_SPLIT_VOICES: Dict[str, List[str]] = {
    "train_unlabeled_flite": ["kal", "awb", "slt"],
    "test_flite": ["rms"],
}


def speakers_for(split: str) -> List[str]:
    """All voices of a split: ``accent+variant`` for espeak-ng splits, flite voice names else."""
    if split in FLITE_SPLIT_VOICES:
        return list(FLITE_SPLIT_VOICES[split])
    return [f"{a}+{v}" for v in SPLIT_VARIANTS[split] for a in ACCENTS]
