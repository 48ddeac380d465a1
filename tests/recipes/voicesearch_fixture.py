"""A tiny bring-your-own-data corpus for the voicesearch recipe, in every form the recipe takes.

Speech is espeak-ng (``--stdout``), resampled with scipy and written by soundfile:

* ``train.csv``: 8 whole-file utterances of 3 speakers (WAV 16 kHz, FLAC, WAV 8 kHz, MP3), paths
  relative to the CSV except one absolute; a quoted transcript with a comma, a speaker with a space;
* ``dev.jsonl``: 4 utterances cut by ``start``/``end`` out of 2 session recordings (speech, silence,
  speech) and 1 row with empty times (its whole file);
* ``test/``: a Kaldi data dir (``wav.scp`` with absolute paths, ``text``, ``utt2spk``) of 3 utterances;
* ``untranscribed/``: 6 audio files in nested folders (WAV 16 kHz and 8 kHz, FLAC, MP3, Ogg Vorbis;
  two files share a stem), plus a hidden file and a text file that must be skipped;
* ``lm.txt``: a few sentences for the LM text.

``expected`` gives each prepared set's utterance count, speakers and seconds of audio (lossy files:
the length soundfile decodes from them).
"""

from __future__ import annotations

import csv
import json
import subprocess
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Dict, List, Set

import numpy as np
import soundfile
from scipy.signal import resample_poly

ESPEAK_RATE = 22050
SILENCE_SECONDS = 0.4
TRAIN = [  # (speaker as written, relative path, text, sample rate)
    ("alice", "audio/alice/q01.wav", "weather in paris tomorrow", 16000),
    ("alice", "audio/alice/q02.flac", "call mom", 16000),
    ("alice", "audio/alice/q03.wav", "navigate to the nearest gas station", 16000),
    ("bob", "audio/bob/q04.wav", "play some jazz music", 8000),
    ("bob", "audio/bob/q05.mp3", "how tall is the eiffel tower", 16000),
    ("bob", "audio/bob/q06.wav", "set an alarm for seven", 16000),
    ("carol smith", "audio/carol/q07.wav", "pizza near me, open now", 16000),
    ("carol smith", "audio/carol/q08.wav", "what time is it in tokyo", 16000),
]
DEV_SESSIONS = {  # session file -> (speaker, [texts]) cut by start/end
    "sessions/dave_1.wav": ("dave", ["turn on the lights", "show me my photos"]),
    "sessions/erin_1.wav": (
        "erin",
        ["translate hello to spanish", "open the calendar"],
    ),
}
DEV_WHOLE = ("erin", "audio/erin/q13.wav", "directions to the airport")
TEST = [  # (utt id, speaker, relative path, text)
    ("frank-q14", "frank", "audio/frank/q14.wav", "send a message to john"),
    ("frank-q15", "frank", "audio/frank/q15.wav", "who won the game last night"),
    ("grace-q16", "grace", "audio/grace/q16.wav", "convert ten miles to kilometers"),
]
UNLABELED = [  # (relative path under untranscribed/, text spoken, sample rate)
    ("2024/batch1/u1.wav", "find a cheap hotel", 16000),
    ("2024/batch1/u1.flac", "book a table for two", 16000),
    ("2024/batch1/u2.mp3", "what is the capital of peru", 16000),
    ("2024/batch2/u3.ogg", "remind me to buy milk", 16000),
    ("phone/u4.wav", "call the office", 8000),
    ("top.wav", "read my new emails", 16000),
]
LM_TEXT = ["weather in london", "call dad", "", "  play   some rock music  "]


@dataclass
class SetSpec:
    """What a prepared set must hold."""

    utterances: int = 0
    speakers: Set[str] = field(default_factory=set)
    seconds: float = 0.0

    def add(self, speaker: str, seconds: float) -> None:
        self.utterances += 1
        self.speakers.add(speaker)
        self.seconds += seconds


@dataclass
class VoicesearchFixture:
    root: Path
    train_csv: Path
    dev_jsonl: Path
    test_dir: Path
    unlabeled_dir: Path
    lm_text: Path
    expected: Dict[str, SetSpec]
    audio: Dict[str, Path]  # every audio file written, by relative path

    def data_opts(self, **extra: str) -> str:
        """``local/data.sh`` options for this corpus (``extra``: more ``--name value`` pairs)."""
        opts = {
            "train_manifest": self.train_csv,
            "dev_manifest": self.dev_jsonl,
            "test_dirs": self.test_dir,
            "unlabeled_dir": self.unlabeled_dir,
            "lm_text": self.lm_text,
            **extra,
        }
        return " ".join(f"--{k} {v}" for k, v in opts.items())


def speak(text: str, voice: str, pitch: int, rate: int, sample_rate: int) -> np.ndarray:
    """espeak-ng's speech for ``text`` at ``sample_rate`` (mono float32)."""
    result = subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(rate), "--stdout", text],
        check=True,
        capture_output=True,
    )
    audio, rate_in = soundfile.read(BytesIO(result.stdout), dtype="float32")
    assert rate_in == ESPEAK_RATE, rate_in
    gcd = np.gcd(sample_rate, ESPEAK_RATE)
    audio = resample_poly(audio, sample_rate // gcd, ESPEAK_RATE // gcd)
    return (0.7 * audio / max(1e-4, float(np.abs(audio).max()))).astype(np.float32)


def write_audio(path: Path, audio: np.ndarray, sample_rate: int) -> float:
    """Write ``audio`` in the format the suffix names; returns the seconds a reader decodes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    formats = {
        ".wav": ("WAV", "PCM_16"),
        ".flac": ("FLAC", "PCM_16"),
        ".mp3": ("MP3", "MPEG_LAYER_III"),
        ".ogg": ("OGG", "VORBIS"),
    }
    container, subtype = formats[path.suffix]
    soundfile.write(str(path), audio, sample_rate, format=container, subtype=subtype)
    if container in ("WAV", "FLAC"):
        return len(audio) / sample_rate
    decoded, rate = soundfile.read(str(path), dtype="float32")
    return len(decoded) / rate


VOICES = {  # speaker -> (espeak-ng voice, pitch, words per minute)
    "alice": ("en-us", 70, 170),
    "bob": ("en-gb", 35, 150),
    "carol smith": ("en-gb-scotland", 60, 180),
    "dave": ("en-us", 30, 160),
    "erin": ("en-gb-x-rp", 75, 175),
    "frank": ("en-029", 40, 165),
    "grace": ("en-us", 80, 155),
    None: ("en-gb-x-gbclan", 50, 170),
}


def build_voicesearch_fixture(root: Path) -> VoicesearchFixture:
    """Write the corpus under ``root`` (module docstring) and return where things are."""
    root.mkdir(parents=True, exist_ok=True)
    expected = {name: SetSpec() for name in ("train", "dev", "test", "unlabeled")}
    audio: Dict[str, Path] = {}

    def utterance(rel: str, speaker, text: str, sample_rate: int = 16000) -> float:  # type: ignore[no-untyped-def]
        voice, pitch, rate = VOICES[speaker]
        audio[rel] = root / rel
        return write_audio(
            root / rel, speak(text, voice, pitch, rate, sample_rate), sample_rate
        )

    rows: List[List[str]] = [
        ["speaker", "path", "text"]
    ]  # columns in another order than documented
    for i, (speaker, rel, text, sample_rate) in enumerate(TRAIN):
        seconds = utterance(rel, speaker, text, sample_rate)
        expected["train"].add(speaker.replace(" ", "_"), seconds)
        rows.append([speaker, str(root / rel) if i == 2 else rel, text])
    train_csv = root / "train.csv"
    with open(train_csv, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)

    dev_rows = []
    for rel, (speaker, texts) in DEV_SESSIONS.items():
        voice, pitch, rate = VOICES[speaker]
        silence = np.zeros(int(SILENCE_SECONDS * 16000), dtype=np.float32)
        pieces, spans, position = [silence], [], len(silence)
        for text in texts:
            speech = speak(text, voice, pitch, rate, 16000)
            spans.append((position / 16000, (position + len(speech)) / 16000, text))
            pieces += [speech, silence]
            position += len(speech) + len(silence)
        write_audio(root / rel, np.concatenate(pieces), 16000)
        audio[rel] = root / rel
        for start, end, text in spans:
            dev_rows.append(
                {
                    "path": rel,
                    "text": text,
                    "speaker": speaker,
                    "start": round(start, 3),
                    "end": round(end, 3),
                }
            )
            expected["dev"].add(speaker, round(end, 3) - round(start, 3))
    speaker, rel, text = DEV_WHOLE
    expected["dev"].add(speaker, utterance(rel, speaker, text))
    dev_rows.append(
        {"path": rel, "text": text, "speaker": speaker, "start": "", "end": None}
    )
    dev_jsonl = root / "dev.jsonl"
    dev_jsonl.write_text(
        "".join(json.dumps(r) + "\n" for r in dev_rows), encoding="utf-8"
    )

    test_dir = root / "kaldi" / "test"
    test_dir.mkdir(parents=True)
    tables: Dict[str, List[str]] = {"wav.scp": [], "text": [], "utt2spk": []}
    for utt, speaker, rel, text in TEST:
        expected["test"].add(speaker, utterance(rel, speaker, text))
        tables["wav.scp"].append(f"{utt} {root / rel}")
        tables["text"].append(f"{utt} {text}")
        tables["utt2spk"].append(f"{utt} {speaker}")
    for name, lines in tables.items():
        (test_dir / name).write_text("".join(f"{line}\n" for line in sorted(lines)))

    unlabeled_dir = root / "untranscribed"
    speakers = {
        "2024/batch1": "2024-batch1",
        "2024/batch2": "2024-batch2",
        "phone": "phone",
        ".": "top",
    }
    for rel, text, sample_rate in UNLABELED:
        seconds = utterance(f"untranscribed/{rel}", None, text, sample_rate)
        expected["unlabeled"].add(speakers[str(Path(rel).parent)], seconds)
    (unlabeled_dir / ".hidden.wav").write_bytes(
        (unlabeled_dir / "top.wav").read_bytes()
    )
    (unlabeled_dir / "notes.txt").write_text("not audio\n")

    lm_text = root / "lm.txt"
    lm_text.write_text("\n".join(LM_TEXT) + "\n")
    return VoicesearchFixture(
        root, train_csv, dev_jsonl, test_dir, unlabeled_dir, lm_text, expected, audio
    )
