"""A tiny CHiME-6 corpus in the real release layout, for tests/recipes/test_chime6.py.

Real directory and file names (``audio/dev/S02_P05.wav``, ``audio/dev/S02_U01.CH1.wav``,
``transcriptions/dev/S02.json``), 16 kHz 16-bit WAV (worn binaural mics: 2 channels; Kinect arrays:
one mono file per microphone), session JSON as the CHiME-6 synchronization writes it (one
``H:MM:SS.ss`` time per utterance, 4-space indent, ``ref`` and ``location`` in dev and eval only)
with transcript lines written the way the CHiME-5 transcribers did (noise tags, partial words,
hesitations, punctuation, [redacted]). Sessions are 12 s long.

Every line states the text the challenge's normalization must give (``None``: the utterance is
left out by design), so tests compare with values written here, never recomputed by the code
under test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Set

import numpy as np
import soundfile

FS = 16000
SESSION_SECONDS = 12.0
ARRAYS = {"train": ("U01",), "dev": ("U01", "U02"), "eval": ("U01", "U02")}


@dataclass(frozen=True)
class Line:
    speaker: str
    start: float  # seconds
    end: float
    words: str  # as in the JSON
    expected: Optional[
        str
    ]  # normalized text; None: left out ([redacted], nothing but tags)
    location: Optional[str] = None  # dev/eval
    ref: Optional[str] = None  # dev/eval: the reference array


SESSIONS: Dict[str, Dict[str, List[Line]]] = {
    "train": {
        "S03": [
            Line(
                "P09",
                0.40,
                2.15,
                "Do you want some more wine? [noise]",
                "do you want some more wine",
            ),
            Line(
                "P10",
                1.90,
                3.85,
                "Yeah, I'll have a- a little bit. [laughs]",
                "yeah i'll have a- a little bit",
            ),
            Line("P09", 4.10, 4.90, "[laughs]", None),
            Line("P10", 5.20, 7.45, "It's [redacted]'s recipe, isn't it?", None),
            Line(
                "P09",
                7.60,
                9.95,
                "Mm-hmm. We got it from - uh - the shop on the corner.",
                "mmhmm we got it from uh the shop on the corner",
            ),
            Line("P10", 10.10, 11.60, "Really? [inaudible 0:00:10.85]", "really"),
        ],
        "S04": [
            Line(
                "P10",
                0.30,
                1.95,
                "Put it in the oven for, um, twenty minutes.",
                "put it in the oven for um twenty minutes",
            ),
            Line(
                "P09",
                2.20,
                3.40,
                'Okay. "Gas mark six", it says.',
                "okay gas mark six it says",
            ),
            Line(
                "P10",
                3.50,
                5.75,
                "Hmm, I don't kn- I don't know.",
                "hmm i don't kn- i don't know",
            ),
            Line("P09", 6.00, 6.80, "[noise] [inaudible 0:00:06.20]", None),
            Line(
                "P09",
                7.10,
                9.30,
                "That\u2019s fine; let's eat!",
                "that's fine let's eat",
            ),
        ],
    },
    "dev": {
        "S02": [
            Line(
                "P05",
                0.50,
                2.40,
                "So how was the drive? [noise]",
                "so how was the drive",
                "kitchen",
                "U02",
            ),
            Line(
                "P06",
                2.60,
                4.95,
                "Oh, it was fine. We- we left early.",
                "oh it was fine we- we left early",
                "kitchen",
                "U01",
            ),
            Line("P05", 5.10, 5.90, "[redacted]", None, "dining", "U01"),
            Line(
                "P06",
                6.20,
                8.70,
                "Uh, there was no traffic, actually [laughs].",
                "uh there was no traffic actually",
                "dining",
                "U02",
            ),
            Line("P05", 9.00, 11.50, "Good. Mm-hmm.", "good mmhmm", "living", "U02"),
        ],
    },
    "eval": {
        "S01": [
            Line(
                "P01",
                0.20,
                2.60,
                "Can you pass the salt, please?",
                "can you pass the salt please",
                "dining",
                "U01",
            ),
            Line(
                "P02",
                2.80,
                4.10,
                "Here you go. [laughs]",
                "here you go",
                "dining",
                "U02",
            ),
            Line(
                "P01",
                4.30,
                6.90,
                "Thanks. I was- I was gonna say [inaudible 0:00:05.90] something.",
                "thanks i was- i was gonna say something",
                "dining",
                "U01",
            ),
            Line("P02", 7.20, 8.00, "[laughs] [noise]", None, "dining", "U02"),
            Line(
                "P02",
                8.40,
                11.20,
                "Wh- what time is it?",
                "wh- what time is it",
                "kitchen",
                "U01",
            ),
        ],
    },
}


def hms(seconds: float) -> str:
    """CHiME-6's time format (chime6-synchronisation's transcript_utils.time_float_to_text)."""
    hours, rest = divmod(round(seconds * 100), 360000)
    minutes, centis = divmod(rest, 6000)
    return f"{hours}:{minutes:02d}:{centis / 100:05.2f}"


def entry(session: str, line: Line) -> dict:
    """One utterance of a CHiME-6 session JSON, keys in the release's order."""
    item = {
        "end_time": hms(line.end),
        "start_time": hms(line.start),
        "words": line.words,
        "speaker": line.speaker,
    }
    if line.ref is not None:
        item["ref"] = line.ref
    if line.location is not None:
        item["location"] = line.location
    item["session_id"] = session
    return item


def _session_audio(lines: List[Line], seed: int) -> Dict[str, np.ndarray]:
    """Per speaker a 2-channel 'worn' signal: faint noise, a tone while that speaker talks."""
    rng = np.random.default_rng(seed)
    n = int(SESSION_SECONDS * FS)
    t = np.arange(n) / FS
    audio = {}
    for k, speaker in enumerate(sorted({line.speaker for line in lines})):
        signal = 0.003 * rng.standard_normal(n)
        for line in lines:
            if line.speaker == speaker:
                span = slice(int(line.start * FS), int(line.end * FS))
                signal[span] += 0.2 * np.sin(2 * np.pi * (180 + 60 * k) * t[span])
        audio[speaker] = np.stack([signal, 0.7 * signal], axis=1)
    return audio


def build_chime6_corpus(target: Path) -> Path:
    """Write the corpus under ``target/CHiME6`` and return that root."""
    root = target / "CHiME6"
    for split, sessions in SESSIONS.items():
        (root / "audio" / split).mkdir(parents=True, exist_ok=True)
        (root / "transcriptions" / split).mkdir(parents=True, exist_ok=True)
        for session, lines in sessions.items():
            worn = _session_audio(lines, seed=int(session[1:]))
            for speaker, stereo in worn.items():
                soundfile.write(
                    root / "audio" / split / f"{session}_{speaker}.wav",
                    stereo,
                    FS,
                    subtype="PCM_16",
                )
            far = 0.5 * sum(stereo[:, 0] for stereo in worn.values())
            for array in ARRAYS[split]:
                for mic in range(1, 5):
                    soundfile.write(
                        root / "audio" / split / f"{session}_{array}.CH{mic}.wav",
                        far * (0.9**mic),
                        FS,
                        subtype="PCM_16",
                    )
            with open(
                root / "transcriptions" / split / f"{session}.json",
                "w",
                encoding="utf-8",
            ) as f:
                json.dump([entry(session, line) for line in lines], f, indent=4)
    return root


def kept(split: str) -> List[Line]:
    """The lines of ``split`` that the data dirs must hold."""
    return [
        line
        for lines in SESSIONS[split].values()
        for line in lines
        if line.expected is not None
    ]


def expected_seconds(split: str) -> float:
    return sum(line.end - line.start for line in kept(split))


def expected_speakers(split: str) -> Set[str]:
    return {line.speaker for line in kept(split)}
