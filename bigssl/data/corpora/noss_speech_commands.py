"""Speech Commands v0.02, the 12-class keyword task (10 words, ``_unknown_``, ``_silence_``).

Release layout (``speech_commands_v0.02.tar.gz`` extracts its files without a top folder):
``<root>/<word>/<speaker hash>_nohash_<n>.wav`` (16 kHz mono, at most 1 s) for 35 words,
``validation_list.txt`` and ``testing_list.txt`` (lines ``<word>/<file>.wav``) and
``_background_noise_/*.wav`` (minutes of noise). Classes: the ten words yes, no, up, down, left,
right, on, off, stop, go; every other word is ``_unknown_`` (all of them kept, as TFDS does);
``_silence_`` are 1 s clips of the background noise.

Splits: dev = ``validation_list.txt``, test = ``testing_list.txt``, train = every other file (the
release's rule). Silence: each noise file is cut in time, its first 80 % for train, the next 10 % for
dev, the last 10 % for test, into 1 s clips every 0.5 s (TFDS' hop) that lie wholly inside their
part, so no noise sample is in two splits and every split hears every noise. With ``test_root``
(the separately released ``speech_commands_test_set_v0.02``: ``<class>/*.wav`` for the 12 classes,
silence included, the test set TFDS and s3prl use) test is that set instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import soundfile

from bigssl.data.corpora.common import numbered_lines
from bigssl.data.corpora.noss import (
    SPLITS,
    Corpus,
    CorpusError,
    Item,
    Problems,
    TaskData,
    require_dir,
    require_file,
    safe_id,
)

CORPUS = Corpus(
    "Speech Commands v0.02",
    "http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz (test set: "
    "http://download.tensorflow.org/data/speech_commands_test_set_v0.02.tar.gz; "
    "local/download.sh fetches both)",
    "CC BY 4.0",
)
WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
UNKNOWN = "_unknown_"
SILENCE = "_silence_"
CLASSES = WORDS + (UNKNOWN, SILENCE)
NOISE_DIR = "_background_noise_"
LISTS = {"dev": "validation_list.txt", "test": "testing_list.txt"}
# (split, first, last): the fraction of each noise file's duration the split's clips come from
SILENCE_PARTS = (("train", 0.0, 0.8), ("dev", 0.8, 0.9), ("test", 0.9, 1.0))
CLIP_SECONDS = 1.0
HOP_SECONDS = 0.5
_LIST_LINE = re.compile(r"^([^/\s]+)/([^/\s]+\.wav)$")


def label_of(word: str) -> str:
    return word if word in WORDS else UNKNOWN


def speaker_of(stem: str) -> str:
    return stem.split("_nohash_")[0]


def silence_clips(
    frames: int, rate: int, first: float, last: float
) -> List[Tuple[float, float]]:
    """(start, end) seconds of the 1 s clips, on a 0.5 s grid, inside ``[first, last)`` of a recording
    of ``frames`` samples (``first``/``last``: fractions of its duration)."""
    hop, clip = int(HOP_SECONDS * rate), int(CLIP_SECONDS * rate)
    begin, end = int(first * frames), int(last * frames)
    start = -(-begin // hop) * hop  # first grid point at or after the part's beginning
    clips = []
    while start + clip <= end:
        clips.append((start / rate, (start + clip) / rate))
        start += hop
    return clips


def _read_list(path: Path, root: Path, problems: Problems) -> Set[str]:
    """The ``<word>/<file>.wav`` entries of a split list. A listed file that does not exist goes to
    ``problems``; a malformed line is always an error (skipping it would move its file to train).
    """
    entries: Set[str] = set()
    malformed: List[str] = []
    for where, entry in numbered_lines(path):
        if not _LIST_LINE.match(entry):
            malformed.append(
                f"{where}: expected '<word>/<file>.wav', got {entry[:80]!r}"
            )
        elif not (root / entry).is_file():
            problems.add(where, f"{root / entry}: no such file")
        else:
            entries.add(entry)
    if malformed:
        raise CorpusError(
            f"{path}: {len(malformed)} malformed line(s):\n  "
            + "\n  ".join(malformed[:20])
        )
    return entries


def _word_items(root: Path, problems: Problems) -> Dict[str, List[Item]]:
    lists = {
        split: _read_list(require_file(root / name, CORPUS, name), root, problems)
        for split, name in LISTS.items()
    }
    both = lists["dev"] & lists["test"]
    if both:
        raise CorpusError(
            f"{root}: {len(both)} file(s) in both {LISTS['dev']} and {LISTS['test']}, "
            f"e.g. {sorted(both)[:3]}"
        )
    word_dirs = sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
    )
    if not word_dirs:
        raise CorpusError(
            f"{root}: no <word>/ directory of WAV files; {CORPUS.obtain()}"
        )
    splits: Dict[str, List[Item]] = {s: [] for s in SPLITS}
    for word_dir in word_dirs:
        for wav in sorted(word_dir.glob("*.wav")):
            entry = f"{word_dir.name}/{wav.name}"
            split = next((s for s, e in lists.items() if entry in e), "train")
            splits[split].append(
                Item(
                    safe_id(word_dir.name, wav.stem),
                    str(wav.resolve()),
                    label_of(word_dir.name),
                    speaker_of(wav.stem),
                )
            )
    return splits


def _silence_items(root: Path, problems: Problems) -> Dict[str, List[Item]]:
    noise_dir = require_dir(root / NOISE_DIR, CORPUS, "background noise for _silence_")
    noises = sorted(noise_dir.glob("*.wav"))
    if not noises:
        raise CorpusError(f"{noise_dir}: no WAV file; {CORPUS.obtain()}")
    splits: Dict[str, List[Item]] = {s: [] for s in SPLITS}
    for noise in noises:
        try:
            info = soundfile.info(str(noise))
        except Exception as exc:  # noqa: BLE001 - soundfile raises several types
            problems.add(noise, f"not readable ({exc.__class__.__name__})")
            continue
        recording = safe_id("noise", noise.stem)
        for split, first, last in SILENCE_PARTS:
            for start, end in silence_clips(info.frames, info.samplerate, first, last):
                splits[split].append(
                    Item(
                        safe_id("silence", noise.stem, f"{round(start * 1000):07d}"),
                        str(noise.resolve()),
                        SILENCE,
                        recording,
                        recording=recording,
                        start=start,
                        end=end,
                    )
                )
    return splits


def _test_set_items(test_root: Path, problems: Problems) -> List[Item]:
    require_dir(test_root, CORPUS, "the extracted speech_commands_test_set_v0.02")
    items = []
    for class_dir in sorted(p for p in test_root.iterdir() if p.is_dir()):
        if class_dir.name not in CLASSES:
            problems.add(class_dir, f"not one of the 12 classes ({', '.join(CLASSES)})")
            continue
        for wav in sorted(class_dir.glob("*.wav")):
            items.append(
                Item(
                    safe_id("testset", class_dir.name, wav.stem),
                    str(wav.resolve()),
                    class_dir.name,
                    speaker_of(wav.stem),
                )
            )
    if not items:
        raise CorpusError(f"{test_root}: no <class>/*.wav; {CORPUS.obtain()}")
    return items


def read_speech_commands(
    root: Path, problems: Problems, test_root: Optional[Path] = None
) -> TaskData:
    """The 12-class task of ``root`` (see the module doc)."""
    require_dir(root, CORPUS, "the extracted speech_commands_v0.02")
    splits = _word_items(root, problems)
    for split, items in _silence_items(root, problems).items():
        splits[split] += items
    rule = (
        "dev = validation_list.txt, test = testing_list.txt, train = the rest; _silence_ = 1 s "
        "clips every 0.5 s of each background noise's first 80 % (train), next 10 % (dev), "
        "last 10 % (test)"
    )
    if test_root is not None:
        splits["test"] = _test_set_items(test_root, problems)
        rule += "; test replaced by speech_commands_test_set_v0.02"
    return TaskData("speech_commands", CORPUS, splits, rule)
