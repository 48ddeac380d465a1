"""Tiny NOSS corpora in their real release layouts, for egs/noss/probe1's tests.

Audio is tones plus noise written by soundfile in each corpus's own codec and rate:

* VoxCeleb1: ``iden_split.txt`` + ``wav/idXXXXX/<video>/<nnnnn>.wav`` (16 kHz), 3 speakers (one of
  them, id10270, from the test zip's range), 3 / 1 / 1 files each in splits 1 / 2 / 3;
* VoxForge: ``www.repository.voxforge1.org/downloads/<lang>/Trunk/Audio/Main/16kHz_16bit/
  <speaker>-<date>-<tag>.tgz`` (English under ``SpeechCorpus``), each archive ``<name>/wav/*.wav``
  at 48 kHz plus ``etc/PROMPTS``; 11 speakers, ``anonymous`` submitting in two languages;
* Speech Commands v0.02: ``<word>/<hash>_nohash_<n>.wav`` (16 kHz, 1 s) for the ten words and two
  others, ``validation_list.txt``, ``testing_list.txt``, ``_background_noise_/`` (10 s and 12 s of
  noise and its README.md), and the separate test set ``<class>/*.wav``;
* CREMA-D: ``AudioWAV/<actor>_<sentence>_<emotion>_<level>.wav`` (16 kHz), 7 actors x 6 emotions;
* ASVspoof 2019 LA: ``LA/ASVspoof2019_LA_cm_protocols/*.txt`` + ``LA/ASVspoof2019_LA_<part>/flac/``
  (16 kHz FLAC);
* SAVEE: ``AudioData/<speaker>/<code><nn>.wav`` (44.1 kHz), 4 speakers x 7 emotions.

:func:`build_noss_corpora` returns the roots and what preparation must find: utterances per split
and class of every task, worked out here from the fixture itself (speaker-disjoint splits by the
TFDS rule, re-stated in :func:`tfds_group_splits`; silence clips by :func:`expected_silence`).
"""

from __future__ import annotations

import io
import tarfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import soundfile

Counts = Dict[str, Dict[str, int]]  # split -> class -> utterances

SC_WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
SC_OTHER_WORDS = ("bed", "cat")
SC_NOISES = {"white_noise": 10.0, "running_tap": 12.0}  # name -> seconds


@dataclass
class NossFixture:
    roots: Dict[str, Path]
    speech_commands_test_root: Path
    expected: Dict[str, Counts] = field(default_factory=dict)
    speakers: Dict[str, Dict[str, str]] = field(
        default_factory=dict
    )  # task -> utt -> speaker
    seconds: Dict[str, float] = field(
        default_factory=dict
    )  # task -> duration of each file


def _audio(seconds: float, rate: int, seed: int, channels: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * rate))) / rate
    wave = 0.3 * np.sin(2 * np.pi * (150 + 40 * (seed % 11)) * t)
    wave += 0.02 * rng.standard_normal(len(t))
    wave = wave.astype(np.float32)
    return wave if channels == 1 else np.stack([wave] * channels, axis=1)


def _write(path: Path, seconds: float, rate: int, seed: int, fmt: str = "WAV") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(
        str(path), _audio(seconds, rate, seed), rate, subtype="PCM_16", format=fmt
    )


def tfds_group_splits(
    groups: Sequence[str], fractions: Sequence[Tuple[str, float]]
) -> Dict[str, str]:
    """TFDS' speaker-disjoint rule (voxforge / crema_d / savee builders), written out for the oracle."""
    ordered = sorted(set(groups))
    np.random.RandomState(0).shuffle(ordered)
    bounds, cumulative = [], 0.0
    for name, fraction in fractions:
        bounds.append((name, int(cumulative * len(ordered))))
        cumulative += fraction
    result = {}
    for index, (name, first) in enumerate(bounds):
        last = bounds[index + 1][1] if index + 1 < len(bounds) else len(ordered)
        result.update({g: name for g in ordered[first:last]})
    return result


def expected_silence(seconds: float) -> Dict[str, int]:
    """Silence clips of a noise of ``seconds``: 1 s clips on a 0.5 s grid wholly inside the first 80 %
    (train), the next 10 % (dev) or the last 10 % (test)."""
    counts: Counter = Counter()
    start = 0.0
    while start + 1.0 <= seconds:
        if start + 1.0 <= 0.8 * seconds:
            counts["train"] += 1
        elif start >= 0.8 * seconds and start + 1.0 <= 0.9 * seconds:
            counts["dev"] += 1
        elif start >= 0.9 * seconds:
            counts["test"] += 1
        start += 0.5
    return dict(counts)


def _tally(rows: List[Tuple[str, str]]) -> Counts:
    counts: Counts = defaultdict(dict)
    for split, label in rows:
        counts[split][label] = counts[split].get(label, 0) + 1
    return dict(counts)


def _voxceleb1(root: Path, fx: NossFixture) -> None:
    lines, rows, speakers = [], [], {}
    for s, speaker in enumerate(("id10001", "id10002", "id10270")):
        for n, code in enumerate("11123"):
            video = f"vid-{speaker[-2:]}_{n % 2}x"  # YouTube ids may hold '-' and '_'
            name = f"{n + 1:05d}"
            _write(
                root / "wav" / speaker / video / f"{name}.wav", 0.5, 16000, 10 * s + n
            )
            lines.append(f"{code} {speaker}/{video}/{name}.wav\n")
            rows.append(({"1": "train", "2": "dev", "3": "test"}[code], speaker))
            speakers[f"{speaker}-{video}-{name}"] = speaker
    (root / "iden_split.txt").write_text("".join(lines))
    fx.expected["voxceleb1"], fx.speakers["voxceleb1"] = _tally(rows), speakers
    fx.seconds["voxceleb1"] = 0.5


VOXFORGE_ARCHIVES = [  # (language folder, archive stem)
    ("de", "anonymous-20080101-aaa"),
    ("fr", "anonymous-20090202-bbb"),
    ("de", "hans-20100303-ccc"),
    ("de", "greta-20100404-ddd"),
    ("de", "kurt-20100505-eee"),
    ("SpeechCorpus", "alice-20110606-fff"),
    ("SpeechCorpus", "bob-20110707-ggg"),
    ("SpeechCorpus", "carol-20110808-hhh"),
    ("fr", "jean-20120909-iii"),
    ("fr", "marie-20121010-jjj"),
    ("fr", "pierre-20121111-kkk"),
    ("SpeechCorpus", "dave-20111212-lll"),
]


def _voxforge(root: Path, fx: NossFixture) -> None:
    found = []
    for index, (folder, stem) in enumerate(VOXFORGE_ARCHIVES):
        archive = (
            root
            / "www.repository.voxforge1.org/downloads"
            / folder
            / "Trunk/Audio/Main/16kHz_16bit"
            / f"{stem}.tgz"
        )
        archive.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "w:gz") as tar:
            members = {f"{stem}/etc/PROMPTS": b"a0001 HELLO\na0002 WORLD\n"}
            for n in (1, 2):
                buffer = io.BytesIO()
                soundfile.write(
                    buffer, _audio(0.5, 48000, 7 * index + n), 48000, format="WAV"
                )
                members[f"{stem}/wav/a000{n}.wav"] = buffer.getvalue()
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        language = "en" if folder == "SpeechCorpus" else folder
        found += [(stem.split("-")[0], language)] * 2
    assignment = tfds_group_splits(
        [s for s, _ in found], (("train", 0.7), ("dev", 0.1), ("test", 0.2))
    )
    fx.expected["voxforge"] = _tally([(assignment[s], lang) for s, lang in found])
    fx.seconds["voxforge"] = 0.5


def _speech_commands(root: Path, test_root: Path, fx: NossFixture) -> None:
    rows, validation, testing, speakers = [], [], [], {}
    for w, word in enumerate(SC_WORDS + SC_OTHER_WORDS):
        label = word if word in SC_WORDS else "_unknown_"
        for n, split in enumerate(("train", "dev", "test")):
            speaker = f"{w:02x}{n:02x}beef"
            name = f"{speaker}_nohash_{n}.wav"
            _write(root / word / name, 1.0, 16000, 3 * w + n)
            {"dev": validation, "test": testing}.get(split, []).append(
                f"{word}/{name}\n"
            )
            rows.append((split, label))
            speakers[f"{word}-{speaker}_nohash_{n}"] = speaker
    (root / "validation_list.txt").write_text("".join(validation))
    (root / "testing_list.txt").write_text("".join(testing))
    (root / "README.md").write_text("Speech Commands fixture\n")
    for i, (noise, seconds) in enumerate(SC_NOISES.items()):
        _write(root / "_background_noise_" / f"{noise}.wav", seconds, 16000, 100 + i)
        for split, count in expected_silence(seconds).items():
            rows += [(split, "_silence_")] * count
    (root / "_background_noise_" / "README.md").write_text("noise files\n")
    fx.expected["speech_commands"] = _tally(rows)
    fx.speakers["speech_commands"] = speakers
    fx.seconds["speech_commands"] = 1.0
    test_rows = []
    for c, label in enumerate(SC_WORDS + ("_unknown_", "_silence_")):
        _write(test_root / label / f"{c:04x}cafe_nohash_0.wav", 1.0, 16000, 200 + c)
        test_rows.append(("test", label))
    fx.expected["speech_commands+test_set"] = {
        **{s: fx.expected["speech_commands"][s] for s in ("train", "dev")},
        **_tally(test_rows),
    }


CREMA_SENTENCES = ("DFA", "IEO", "TIE", "MTI", "WSI", "ITH")
CREMA_LEVELS = ("XX", "LO", "MD", "HI", "XX", "XX")


def _crema_d(root: Path, fx: NossFixture) -> None:
    found = []
    for a, actor in enumerate(("1001", "1002", "1015", "1040", "1063", "1076", "1091")):
        for e, emotion in enumerate(("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")):
            name = f"{actor}_{CREMA_SENTENCES[e]}_{emotion}_{CREMA_LEVELS[e]}.wav"
            _write(root / "AudioWAV" / name, 0.3, 16000, 6 * a + e)
            found.append((actor, emotion))
    (root / "VideoDemographics.csv").write_text("ActorID,Age,Sex\n1001,51,Male\n")
    assignment = tfds_group_splits(
        [a for a, _ in found], (("train", 0.7), ("dev", 0.1), ("test", 0.2))
    )
    fx.expected["crema_d"] = _tally([(assignment[a], e) for a, e in found])
    fx.seconds["crema_d"] = 0.3


ASVSPOOF = {  # part -> [(speaker, key, attack)]
    "train": [
        ("LA_0079", "bonafide", "-"),
        ("LA_0079", "spoof", "A01"),
        ("LA_0080", "bonafide", "-"),
        ("LA_0080", "spoof", "A02"),
        ("LA_0080", "spoof", "A06"),
    ],
    "dev": [
        ("LA_0069", "bonafide", "-"),
        ("LA_0069", "spoof", "A03"),
        ("LA_0070", "bonafide", "-"),
        ("LA_0070", "spoof", "A05"),
    ],
    "eval": [
        ("LA_0039", "bonafide", "-"),
        ("LA_0039", "spoof", "A11"),
        ("LA_0040", "bonafide", "-"),
        ("LA_0040", "spoof", "A17"),
        ("LA_0040", "spoof", "A19"),
    ],
}
ASVSPOOF_PROTOCOLS = {
    "train": "ASVspoof2019.LA.cm.train.trn.txt",
    "dev": "ASVspoof2019.LA.cm.dev.trl.txt",
    "eval": "ASVspoof2019.LA.cm.eval.trl.txt",
}


def _asvspoof(root: Path, fx: NossFixture) -> None:
    la, rows, speakers = root / "LA", [], {}
    for p, (part, entries) in enumerate(ASVSPOOF.items()):
        lines = []
        for i, (speaker, key, attack) in enumerate(entries):
            utt = f"LA_{part[0].upper()}_{1000000 + 137 * i + p}"
            _write(
                la / f"ASVspoof2019_LA_{part}" / "flac" / f"{utt}.flac",
                0.5,
                16000,
                10 * p + i,
                fmt="FLAC",
            )
            lines.append(f"{speaker} {utt} - {attack} {key}\n")
            rows.append(("test" if part == "eval" else part, key))
            speakers[utt] = speaker
        protocols = la / "ASVspoof2019_LA_cm_protocols"
        protocols.mkdir(parents=True, exist_ok=True)
        (protocols / ASVSPOOF_PROTOCOLS[part]).write_text("".join(lines))
    fx.expected["asvspoof2019_la"], fx.speakers["asvspoof2019_la"] = (
        _tally(rows),
        speakers,
    )
    fx.seconds["asvspoof2019_la"] = 0.5


SAVEE_CODES = {
    "a": "anger",
    "d": "disgust",
    "f": "fear",
    "h": "happiness",
    "n": "neutral",
    "sa": "sadness",
    "su": "surprise",
}


def _savee(root: Path, fx: NossFixture) -> None:
    found = []
    for s, speaker in enumerate(("DC", "JE", "JK", "KL")):
        for c, (code, emotion) in enumerate(SAVEE_CODES.items()):
            _write(
                root / "AudioData" / speaker / f"{code}01.wav", 0.3, 44100, 7 * s + c
            )
            found.append((speaker, emotion))
    assignment = tfds_group_splits(
        [s for s, _ in found], (("train", 0.6), ("dev", 0.2), ("test", 0.2))
    )
    fx.expected["savee"] = _tally([(assignment[s], e) for s, e in found])
    fx.seconds["savee"] = 0.3


def build_noss_corpora(base: Path) -> NossFixture:
    """Write every corpus under ``base`` (see the module doc)."""
    roots = {
        "voxceleb1": base / "VoxCeleb1",
        "voxforge": base / "voxforge",
        "speech_commands": base / "speech_commands_v0.02",
        "crema_d": base / "CREMA-D",
        "asvspoof2019_la": base / "ASVspoof2019",
        "savee": base / "SAVEE",
    }
    fx = NossFixture(roots, base / "speech_commands_test_set_v0.02")
    _voxceleb1(roots["voxceleb1"], fx)
    _voxforge(roots["voxforge"], fx)
    _speech_commands(roots["speech_commands"], fx.speech_commands_test_root, fx)
    _crema_d(roots["crema_d"], fx)
    _asvspoof(roots["asvspoof2019_la"], fx)
    _savee(roots["savee"], fx)
    return fx
