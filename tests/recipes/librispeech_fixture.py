"""A tiny LibriSpeech + Libri-Light corpus in the real release layouts, for the recipe's tests.

24 utterances are spoken by espeak-ng (one voice per speaker) as 16 kHz 16-bit FLAC:

* ``LibriSpeech/<part>/<spk>/<chapter>/<spk>-<chapter>-<NNNN>.flac`` and ``<spk>-<chapter>.trans.txt``
  for all seven parts, plus ``SPEAKERS.TXT`` and ``LICENSE.TXT`` as in the release;
* ``librilight/librispeech_finetuning/{1h/<0..5>,9h}/{clean,other}/<spk>/<chapter>/``: one FLAC of
  train-clean-100 (clean) or train-other-500 (other) per folder, copied as Libri-Light copied them,
  each with the *whole* chapter's ``trans.txt`` (the folder's FLAC files are the set);
* ``librilight/small/<spk>/<book>/<name>.flac`` + ``<name>.json`` (Libri-Light's metadata keys:
  ``speaker``, ``book_meta``, ``snr``, ``voice_activity``): recordings of a few utterances with
  pauses in between, their ``voice_activity`` the exact spans of speech.

:func:`build_fixture` returns what the data preparation must find: the utterances of every data
set (id, speaker, text, samples) and the voice-activity spans of every recording.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import soundfile
from scipy.signal import resample_poly

SAMPLE_RATE = 16000

# part -> [(speaker, chapter, espeak-ng voice, [sentences])]
LIBRISPEECH: Dict[str, List[Tuple[str, str, str, List[str]]]] = {
    "train-clean-100": [
        (
            "103",
            "1240",
            "en-us+f2",
            [
                "CHAPTER ONE MISSUS RACHEL LYNDE IS SURPRISED",
                "SHE DIDN'T KNOW WHAT TO SAY",
                "THE HORSES' HOOVES RANG ON THE ROAD",
                "HE HOPED THERE WOULD BE STEW FOR DINNER",
            ],
        ),
        (
            "1034",
            "121119",
            "en-us+m3",
            [
                "IT WAS ONLY A LITTLE WAY",
                "DON'T YOU THINK SO SAID ANNE",
                "THEY WALKED HOME TOGETHER",
            ],
        ),
    ],
    "train-clean-360": [
        (
            "100",
            "121669",
            "en-us+m5",
            ["TOM WAS A VERY GOOD BOY", "THE BELL RANG AT NINE O'CLOCK"],
        ),
    ],
    "train-other-500": [
        (
            "1006",
            "135212",
            "en-us+f4",
            [
                "THE OLD MAN SAT BY THE FIRE",
                "WE'LL GO TO TOWN TOMORROW",
                "A COLD WIND BLEW FROM THE NORTH",
                "THE SHIP SAILED AT DAWN",
            ],
        ),
        (
            "1012",
            "133424",
            "en-us+m7",
            [
                "HER BROTHER'S COAT WAS TORN",
                "NOBODY ANSWERED THE DOOR",
                "THE RIVER WAS WIDE AND DEEP",
            ],
        ),
    ],
    "dev-clean": [
        (
            "1272",
            "128104",
            "en-us+m2",
            ["MISTER QUILTER IS THE APOSTLE", "NOR IS MISTER QUILTER'S MANNER LESS"],
        ),
    ],
    "dev-other": [
        (
            "116",
            "288045",
            "en-us+f3",
            ["AS I APPROACHED THE CITY", "I HEARD BELLS RINGING"],
        ),
    ],
    "test-clean": [
        (
            "1089",
            "134686",
            "en-us+m4",
            [
                "HE HOPED THERE WOULD BE STEW",
                "STUFF IT INTO YOU HIS BELLY COUNSELLED HIM",
            ],
        ),
    ],
    "test-other": [
        (
            "1688",
            "142285",
            "en-us+f1",
            ["THERE'S IRON THEY SAY IN ALL OUR BLOOD", "A GRAIN OF IT IN EACH"],
        ),
    ],
}
# Libri-Light fine-tuning folders and the utterance of train-clean-100 / train-other-500 each holds.
FINETUNING_FOLDERS = [f"1h/{fold}" for fold in range(6)] + ["9h"]
# small/<spk>/<book>/<name> -> indices into the sentences of its voice, pause (s) before each.
UNLABELED = {
    ("10", "sea_fairies_0812_librivox_64kb_mp3", "01_baum_sea_fairies_64kb"): (
        "en-us+m1",
        ["THE SEA WAS CALM", "THE FAIRIES SANG", "THE SHIP WENT ON"],
        [0.5, 0.7, 0.4],
    ),
    ("10", "sea_fairies_0812_librivox_64kb_mp3", "02_baum_sea_fairies_64kb"): (
        "en-us+m1",
        ["A MERMAID SWAM BY", "TROT LAUGHED"],
        [0.3, 0.6],
    ),
    ("1001", "prince_and_pauper_1206_librivox", "prince_pauper_04_twain_64kb"): (
        "en-us+f5",
        ["THE PRINCE LOOKED OUT", "THE CROWD CHEERED LOUDLY"],
        [0.8, 0.5],
    ),
}
TRAILING_PAUSE = 0.5


@dataclass(frozen=True)
class FixtureUtterance:
    utt_id: str
    speaker: str  # <spk>-<chapter>, the recipe's speaker convention
    text: str
    samples: int


@dataclass
class LibriFixture:
    root: Path
    librispeech_root: Path  # holds LibriSpeech/
    librilight_root: Path  # holds librispeech_finetuning/ and small/
    sets: Dict[str, List[FixtureUtterance]] = field(default_factory=dict)
    # recording id (<spk>-<book>-<name>) -> voice-activity spans in seconds
    voice_activity: Dict[str, List[Tuple[float, float]]] = field(default_factory=dict)


def speak(text: str, voice: str) -> np.ndarray:
    """espeak-ng's rendering of ``text``, resampled to 16 kHz (float32 in [-1, 1])."""
    result = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", "210", "--stdout", text.lower()],
        check=True,
        capture_output=True,
    )
    audio, rate = soundfile.read(io.BytesIO(result.stdout), dtype="float32")
    assert rate == 22050, rate
    audio = resample_poly(audio, 320, 441).astype(np.float32)
    return 0.8 * audio / max(1e-4, float(np.abs(audio).max()))


def _write_flac(path: Path, audio: np.ndarray) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), audio, SAMPLE_RATE, subtype="PCM_16", format="FLAC")
    return soundfile.info(str(path)).frames


def _write_librispeech(fixture: LibriFixture) -> Dict[str, Dict[str, Path]]:
    """The seven parts; returns part -> utterance id -> chapter dir."""
    top = fixture.librispeech_root / "LibriSpeech"
    chapters: Dict[str, Dict[str, Path]] = {}
    speakers_txt = [";ID  |SEX| SUBSET           |MINUTES| NAME"]
    for part, readers in LIBRISPEECH.items():
        utterances = fixture.sets.setdefault(part.replace("-", "_"), [])
        chapters[part] = {}
        for speaker, chapter, voice, sentences in readers:
            chapter_dir = top / part / speaker / chapter
            lines = []
            for index, text in enumerate(sentences):
                utt = f"{speaker}-{chapter}-{index:04d}"
                samples = _write_flac(chapter_dir / f"{utt}.flac", speak(text, voice))
                utterances.append(
                    FixtureUtterance(utt, f"{speaker}-{chapter}", text, samples)
                )
                chapters[part][utt] = chapter_dir
                lines.append(f"{utt} {text}\n")
            (chapter_dir / f"{speaker}-{chapter}.trans.txt").write_text("".join(lines))
            sex = "F" if "+f" in voice else "M"
            speakers_txt.append(
                f"{speaker:<5}| {sex} | {part:<16} | 25.03 | Reader {speaker}"
            )
    (top / "SPEAKERS.TXT").write_text("\n".join(speakers_txt) + "\n")
    (top / "LICENSE.TXT").write_text("Creative Commons Attribution 4.0 (fixture)\n")
    sets = fixture.sets
    sets["train_960"] = (
        sets["train_clean_100"] + sets["train_clean_360"] + sets["train_other_500"]
    )
    sets["dev"] = sets["dev_clean"] + sets["dev_other"]
    return chapters


def _write_finetuning(
    fixture: LibriFixture, chapters: Dict[str, Dict[str, Path]]
) -> None:
    """One clean and one other utterance per folder, with their whole chapter's trans.txt."""
    top = fixture.librilight_root / "librispeech_finetuning"
    by_folder: Dict[str, List[FixtureUtterance]] = {}
    for kind, part in (("clean", "train_clean_100"), ("other", "train_other_500")):
        source = fixture.sets[part]
        for folder, utt in zip(FINETUNING_FOLDERS, source):
            chapter_dir = chapters[part.replace("_", "-")][utt.utt_id]
            speaker, chapter = utt.utt_id.split("-")[:2]
            target = top / folder / kind / speaker / chapter
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(chapter_dir / f"{utt.utt_id}.flac", target)
            shutil.copy(chapter_dir / f"{speaker}-{chapter}.trans.txt", target)
            by_folder.setdefault(folder, []).append(utt)
    one_hour = [u for folder in FINETUNING_FOLDERS[:6] for u in by_folder[folder]]
    fixture.sets["train_10min"] = list(by_folder["1h/0"])
    fixture.sets["train_1h"] = one_hour
    fixture.sets["train_10h"] = one_hour + by_folder["9h"]


def _write_unlabeled(fixture: LibriFixture) -> None:
    for (speaker, book, name), (voice, sentences, pauses) in UNLABELED.items():
        pieces: List[np.ndarray] = []
        spans: List[Tuple[float, float]] = []
        cursor = 0
        for text, pause in zip(sentences, pauses):
            cursor += int(pause * SAMPLE_RATE)
            pieces.append(np.zeros(int(pause * SAMPLE_RATE), dtype=np.float32))
            speech = speak(text, voice)
            spans.append((cursor / SAMPLE_RATE, (cursor + len(speech)) / SAMPLE_RATE))
            pieces.append(speech)
            cursor += len(speech)
        pieces.append(np.zeros(int(TRAILING_PAUSE * SAMPLE_RATE), dtype=np.float32))
        book_dir = fixture.librilight_root / "small" / speaker / book
        _write_flac(book_dir / f"{name}.flac", np.concatenate(pieces))
        meta = {
            "speaker": speaker,
            "book_meta": {
                "id": "".join(c for c in book if c.isdigit()) or "1",
                "title": book.replace("_", " "),
                "genre": ["*Non-fiction"],
                "Dramatic Readings": False,
                "meta_genre": "Literature",
            },
            "snr": 12.5,
            "voice_activity": [[round(a, 4), round(b, 4)] for a, b in spans],
        }
        (book_dir / f"{name}.json").write_text(json.dumps(meta, indent=1))
        fixture.voice_activity[f"{speaker}-{book}-{name}"] = [
            (round(a, 4), round(b, 4)) for a, b in spans
        ]


def build_fixture(root: Path) -> LibriFixture:
    """Write the tiny corpus under ``root``; returns what data preparation must find there."""
    fixture = LibriFixture(root, root / "corpora", root / "corpora")
    chapters = _write_librispeech(fixture)
    _write_finetuning(fixture, chapters)
    _write_unlabeled(fixture)
    return fixture
