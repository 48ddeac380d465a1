"""Bring your own data, ids: utterance, speaker and recording ids of :class:`Entry` objects (the
rules are in :mod:`bigssl.data.corpora.manifest`) and the data dir they make."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Container, Dict, Optional, Sequence, Tuple

import soundfile

from bigssl.data.corpora.common import Problems
from bigssl.data.corpora.manifest_read import Entry, RowProblem, kaldi_safe
from bigssl.data.kaldi_dir import DataDir


def common_root(paths: Sequence[str]) -> Path:
    """The deepest directory holding every path (``/`` if none shared)."""
    if not paths:
        return Path("/")
    return Path(os.path.commonpath([os.path.dirname(p) for p in paths]))


def _relative_parts(audio: str, root: Path) -> Tuple[str, ...]:
    path = Path(audio)
    try:
        return path.relative_to(root).parts
    except ValueError:
        return path.parts[1:]


def _claim(candidate: str, taken: Container[str], suffix: str) -> str:
    """``candidate``, or with ``-<suffix>`` and then a counter appended, whichever is free."""
    if candidate not in taken:
        return candidate
    base = f"{candidate}-{kaldi_safe(suffix)}" if suffix else candidate
    choice, count = base, 1
    while choice in taken:
        count += 1
        choice = f"{base}-{count}"
    return choice


def _with_speaker(speaker: str, key: str) -> str:
    return (
        key if key == speaker or key.startswith(f"{speaker}-") else f"{speaker}-{key}"
    )


class DurationCache:
    """Seconds of audio files (``soundfile.info``), read once each; None where unreadable."""

    def __init__(self) -> None:
        self.seconds: Dict[str, Optional[float]] = {}
        self.errors: Dict[str, str] = {}

    def __call__(self, audio: str) -> Optional[float]:
        if audio not in self.seconds:
            try:
                self.seconds[audio] = float(soundfile.info(audio).duration)
            except (
                Exception
            ) as exc:  # soundfile raises several types for unreadable files
                self.seconds[audio] = None
                self.errors[audio] = (
                    f"{exc.__class__.__name__}: {str(exc).strip()[:100]}"
                )
        return self.seconds[audio]


Span = Tuple[float, float]


def _span(entry: Entry, timed: bool, durations: DurationCache) -> Optional[Span]:
    """The entry's times: as given (checked against the file's length), with ``timed`` the whole
    recording where none are given, else None; a RowProblem if the length cannot be read.
    """
    span = entry.span
    if timed and span is None:
        seconds = durations(entry.audio)
        if seconds is None:
            raise RowProblem(
                f"cannot read the duration of '{entry.audio}' for its segment "
                f"({durations.errors[entry.audio]})"
            )
        return (0.0, seconds)
    if span is not None:
        seconds = durations(entry.audio)
        if seconds is not None and span[1] > seconds + 0.01:
            raise RowProblem(
                f"end {span[1]:g} is past the end of '{entry.audio}' ({seconds:.2f} s); "
                "start and end are in seconds"
            )
    return span


class _SetBuilder:
    """Adds entries to ``out`` under ids made by the rules in :mod:`.manifest`; the ids already
    in ``out`` (another input's) stay taken."""

    def __init__(self, out: DataDir, root: Path, timed: bool) -> None:
        self.out, self.root, self.timed = out, root, timed
        self.origin = {utt: "another input" for utt in out.utt2spk}  # id -> first use
        self.recordings = (
            {path: rec for rec, path in out.wav_scp.items()} if timed else {}
        )
        self.recording_ids = set(self.recordings.values())
        self.seen: Dict[Tuple[str, Optional[Span]], str] = {}

    def check(self, entry: Entry, span: Optional[Span]) -> None:
        """A RowProblem for a duplicate (same audio and times) or a bad or taken explicit id."""
        key = (entry.audio, span)
        if key in self.seen:
            raise RowProblem(f"duplicate of {self.seen[key]} (same audio and times)")
        utt = entry.utt_id
        if utt is not None and utt in self.origin:
            raise RowProblem(f"duplicate id '{utt}' (first at {self.origin[utt]})")
        if utt is not None and kaldi_safe(utt) != utt:
            raise RowProblem(
                f"id '{utt}' has characters other than letters, digits, _ . -"
            )

    def add(self, entry: Entry, span: Optional[Span]) -> None:
        parts = _relative_parts(entry.audio, self.root)
        file_key = kaldi_safe("-".join((*parts[:-1], Path(parts[-1]).stem)))
        suffix = Path(entry.audio).suffix.lstrip(".")
        speaker = entry.speaker or (
            kaldi_safe("-".join(parts[:-1])) if len(parts) > 1 else None
        )
        speaker = speaker or entry.utt_id
        if self.timed:
            assert span is not None
            recording = self.recordings.get(entry.audio)
            if recording is None:
                recording = _claim(file_key, self.recording_ids, suffix)
                self.recordings[entry.audio] = recording
                self.recording_ids.add(recording)
            speaker = speaker or recording
            derived = (
                f"{_with_speaker(speaker, recording)}-"
                f"{round(span[0] * 1000):08d}-{round(span[1] * 1000):08d}"
            )
            utt = entry.utt_id or _claim(derived, self.origin, "")
            self.out.segments[utt] = (recording, span[0], span[1])
            self.out.wav_scp[recording] = entry.audio
        else:
            speaker = speaker or file_key
            key = _with_speaker(speaker, file_key)
            utt = entry.utt_id or _claim(key, self.origin, suffix)
            self.out.wav_scp[utt] = entry.audio
        self.seen[(entry.audio, span)] = entry.where
        self.origin[utt] = entry.where
        self.out.utt2spk[utt] = speaker
        if entry.text:
            self.out.text[utt] = entry.text


def build_set(
    entries: Sequence[Entry],
    root: Path,
    timed: bool,
    problems: Problems,
    durations: DurationCache,
    into: Optional[DataDir] = None,
) -> DataDir:
    """Assign ids (the rules in :mod:`.manifest`) and build the set; duplicates and bad spans go
    to ``problems``.

    ``into``: a set built from another input with the same ``timed``, to add to (ids stay unique).
    """
    builder = _SetBuilder(DataDir() if into is None else into, root, timed)
    for entry in entries:
        try:
            span = _span(entry, timed, durations)
            builder.check(entry, span)
        except RowProblem as err:
            problems.add(entry.where, str(err))
            continue
        builder.add(entry, span)
    return builder.out
