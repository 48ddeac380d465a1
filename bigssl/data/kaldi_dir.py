"""Kaldi-style data directories: ``wav.scp``, ``text``, ``utt2spk``, ``spk2utt``, ``segments``."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import soundfile

from bigssl.io_utils import PathLike, read_kv, write_kv

# letters, digits, _ . - (not first): a name a data dir (or a part of one) can have
SET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

# (recording, start, end) in seconds; end -1: to the end of the recording
SegmentEntry = Tuple[str, float, float]


@dataclass
class DataDir:
    """A Kaldi data dir in memory. ``text`` is empty for unlabeled data. With ``segments``
    (utterance -> :data:`SegmentEntry`), ``wav_scp`` is keyed by recording; ``time_decimals`` is how
    their times are written (None: as few digits as exact, to the microsecond)."""

    wav_scp: Dict[str, str] = field(default_factory=dict)
    utt2spk: Dict[str, str] = field(default_factory=dict)
    text: Dict[str, str] = field(default_factory=dict)
    segments: Dict[str, SegmentEntry] = field(default_factory=dict)
    time_decimals: Optional[int] = None

    @property
    def utt_ids(self) -> List[str]:
        return sorted(self.segments or self.wav_scp, key=lambda u: u.encode("utf-8"))

    @property
    def segment_seconds(self) -> float:
        """Total length of the segments (seconds)."""
        return sum(end - start for _, start, end in self.segments.values())

    def spk2utt(self) -> Dict[str, List[str]]:
        table: Dict[str, List[str]] = defaultdict(list)
        for utt in self.utt_ids:
            table[self.utt2spk[utt]].append(utt)
        return dict(table)

    def subset(self, keep: Sequence[str]) -> "DataDir":
        """The utterances ``keep`` (and, with segments, only the recordings they use)."""
        keep_set = set(keep)
        segments = {u: s for u, s in self.segments.items() if u in keep_set}
        recordings = {s[0] for s in segments.values()} if self.segments else keep_set
        return DataDir(
            wav_scp={r: v for r, v in self.wav_scp.items() if r in recordings},
            utt2spk={u: s for u, s in self.utt2spk.items() if u in keep_set},
            text={u: t for u, t in self.text.items() if u in keep_set},
            segments=segments,
            time_decimals=self.time_decimals,
        )

    def _time_str(self, value: float) -> str:
        """A ``segments`` time: ``-1`` for an end at the recording's end, else ``time_decimals``."""
        if value < 0:
            return "-1"
        if self.time_decimals is not None:
            return f"{value:.{self.time_decimals}f}"
        text = f"{value:.6f}".rstrip("0")
        return text + "0" if text.endswith(".") else text

    def save(self, directory: PathLike, write_text: bool = True) -> None:
        """Write every file atomically, sorted (C locale); ``spk2utt`` is derived from ``utt2spk``.

        A ``segments`` (or, with ``write_text``, a ``text``) file this data dir lacks is removed;
        without ``write_text`` an existing ``text`` is left as it is (e.g. pseudo-labels).
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        write_kv(directory / "wav.scp", self.wav_scp.items())
        write_kv(directory / "utt2spk", self.utt2spk.items())
        write_kv(
            directory / "spk2utt", ((s, " ".join(u)) for s, u in self.spk2utt().items())
        )
        if write_text and self.text:
            write_kv(directory / "text", self.text.items())
        elif write_text:
            (directory / "text").unlink(missing_ok=True)
        if self.segments:
            write_kv(
                directory / "segments",
                (
                    (u, f"{r} {self._time_str(b)} {self._time_str(e)}")
                    for u, (r, b, e) in self.segments.items()
                ),
            )
        else:
            (directory / "segments").unlink(missing_ok=True)


def load_data_dir(directory: PathLike, require_text: bool = False) -> DataDir:
    """Load a data dir; ``text`` and ``segments`` are optional (``text`` not with ``require_text``)."""
    directory = Path(directory)
    for name in ("wav.scp", "utt2spk") + (("text",) if require_text else ()):
        if not (directory / name).is_file():
            raise FileNotFoundError(f"{directory}: missing {name}")
    optional = {
        name: read_kv(directory / name) if (directory / name).is_file() else {}
        for name in ("text", "segments")
    }
    segments = {}
    for utt, value in optional["segments"].items():
        recording, start, end = value.split()
        segments[utt] = (recording, float(start), float(end))
    return DataDir(
        wav_scp=read_kv(directory / "wav.scp"),
        utt2spk=read_kv(directory / "utt2spk"),
        text=optional["text"],
        segments=segments,
    )


def audio_hours(wav_scp: PathLike) -> float:
    """Total duration in hours of the audio files listed in ``wav_scp``."""
    return (
        sum(soundfile.info(path).duration for path in read_kv(wav_scp).values()) / 3600
    )


def combine_data_dirs(sources: Sequence[PathLike], target: PathLike) -> DataDir:
    """Write the audio and speakers of ``sources`` as one data dir (never their transcripts).

    Utterance ids must be unique across the inputs; a clash is an error naming the id. The output
    is unlabeled by construction (e.g. the pretraining audio).
    """
    wav_scp: Dict[str, str] = {}
    utt2spk: Dict[str, str] = {}
    for source in sources:
        data = load_data_dir(source)
        for utt, path in data.wav_scp.items():
            if utt in wav_scp:
                raise ValueError(
                    f"utterance '{utt}' of {source} is also in another input"
                )
            wav_scp[utt] = path
            utt2spk[utt] = data.utt2spk[utt]
    combined = DataDir(wav_scp=wav_scp, utt2spk=utt2spk)
    combined.save(target, write_text=False)
    print(f"{target}: {len(wav_scp)} utterances from {len(sources)} data dirs")
    return combined


def random_subset(
    source: PathLike,
    target: PathLike,
    num: int,
    seed: int = 1,
    exclude: Sequence[PathLike] = (),
) -> DataDir:
    """Write a seeded random subset of ``num`` utterances of ``source`` to ``target``, drawn from the
    utterances that none of the data dirs ``exclude`` holds (e.g. an earlier generation's slice).
    """
    data = load_data_dir(source)
    excluded: set = set()
    for other in exclude:
        excluded.update(load_data_dir(other).wav_scp)
    pool = [u for u in data.utt_ids if u not in excluded]
    left_out = (
        f" ({len(data.wav_scp) - len(pool)} left out: in {', '.join(map(str, exclude))})"
        if exclude
        else ""
    )
    if not 0 < num <= len(pool):
        raise SystemExit(
            f"{source} has {len(pool)} utterances to draw from{left_out}; cannot take {num}"
        )
    subset = data.subset(random.Random(seed).sample(pool, num))
    subset.save(target)
    print(f"{target}: {num} of {len(pool)} utterances of {source}{left_out}")
    return subset
