"""Dump a data dir's audio into plain files (the format step of ESPnet's asr.sh, stage 3).

Corpora arrive as Kaldi data dirs that training cannot read as they are: ``wav.scp`` entries that
are commands (``flac -c -d -s a.flac |``, ``sox ... speed 0.9 |``), long recordings cut by a
``segments`` file (``utt recording start end``, seconds), other sample rates (8 kHz telephone
speech), several channels (a CHiME-6 worn mic, an array) or codecs that are slow to decode each
epoch (MP3, Ogg). :func:`format_data_dir` writes one mono file per utterance at the recipe's rate
(FLAC or WAV, 16-bit) and a data dir pointing at them; the rest of the pipeline then sees plain
files. A data dir of plain mono files at the right rate is left alone (:func:`why_format`).

Restartable: each utterance's file is written through a temporary name and a rename, and a rerun
after a kill keeps the files already written. Problems (a failing command, an unreadable file, a
segment outside its recording, a missing channel) are collected per utterance, named with the file
and the recording, and left to the caller to raise or to drop (``--drop_bad``).
"""

from __future__ import annotations

import io
import logging
import math
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import soundfile
from tqdm import tqdm

from bigssl.data.validate import Problem, ValidationError
from bigssl.io_utils import PathLike, atomic_open, iter_kv, read_kv, write_kv

logger = logging.getLogger(__name__)

AUDIO_FORMATS = ("flac", "wav")
PLAIN_FORMATS = ("WAV", "FLAC")  # read fast enough every epoch; anything else is dumped


class FormatError(ValueError):
    """A data dir's structure is wrong (a segments file naming an unknown recording, ...)."""


@dataclass
class Segment:
    utt: str
    recording: str
    start: float  # seconds
    end: Optional[float]  # seconds; None: to the end of the recording


@dataclass
class FormatReport:
    directory: str
    num_utts: int = 0
    written: int = 0
    reused: int = 0
    problems: List[Problem] = field(default_factory=list)


def is_command(value: str) -> bool:
    """True for a Kaldi piped entry (``cmd args |``)."""
    return value.rstrip().endswith("|")


def read_segments(path: Path) -> List[Segment]:
    """Parse a Kaldi ``segments`` file; a malformed line is an error naming it."""
    segments = []
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            fields = line.split()
            if not fields:
                continue
            where = f"{path}:{lineno}"
            if len(fields) != 4:
                raise FormatError(
                    f"{where}: expected 'utterance recording start end', got {line.strip()!r}"
                )
            utt, recording, start_text, end_text = fields
            try:
                start, end = float(start_text), float(end_text)
            except ValueError:
                raise FormatError(
                    f"{where}: utterance '{utt}': start/end are not numbers: {start_text} {end_text}"
                ) from None
            if start < 0 or (end != -1 and end <= start):
                raise FormatError(
                    f"{where}: utterance '{utt}': segment {start}-{end} is empty or negative"
                )
            segments.append(Segment(utt, recording, start, None if end == -1 else end))
    return segments


def why_format(directory: PathLike, sample_rate: int) -> Optional[str]:
    """Why ``directory``'s audio must be dumped before training; None if its files can be used as they are.

    Unreadable files are not a reason: validation names them.
    """
    directory = Path(directory)
    if (directory / "segments").is_file():
        return "it has a segments file"
    for _, utt, value in iter_kv(directory / "wav.scp", lambda *a: None):
        if is_command(value):
            return f"wav.scp has commands (e.g. utterance '{utt}')"
        try:
            info = soundfile.info(value)
        except Exception:  # noqa: BLE001 - validation reports it
            continue
        if info.samplerate != sample_rate:
            return f"'{value}' is {info.samplerate} Hz, not {sample_rate}"
        if info.channels != 1:
            return f"'{value}' has {info.channels} channels"
        if info.format not in PLAIN_FORMATS:
            return f"'{value}' is {info.format}"
    return None


def _read_command(command: str) -> bytes:
    result = subprocess.run(
        command.rstrip()[:-1], shell=True, capture_output=True, check=False
    )
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OSError(
            f"command exited with status {result.returncode}"
            + (f": {stderr[-1][:200]}" if stderr else "")
        )
    if not result.stdout:
        raise OSError("command wrote no audio")
    return result.stdout


def resample(audio: np.ndarray, rate: int, target_rate: int) -> np.ndarray:
    """Polyphase resampling (``scipy.signal.resample_poly``) of a 1-D signal."""
    if rate == target_rate:
        return audio
    from scipy.signal import resample_poly

    divisor = math.gcd(rate, target_rate)
    return resample_poly(audio, target_rate // divisor, rate // divisor).astype(
        np.float32
    )


class _Recording:
    """One wav.scp entry, opened once for all of its segments (a command runs once)."""

    def __init__(self, value: str) -> None:
        source = io.BytesIO(_read_command(value)) if is_command(value) else value
        self.file = soundfile.SoundFile(source)
        self.rate = self.file.samplerate
        self.channels = self.file.channels
        self.frames = self.file.frames

    def read(self, start: float, end: Optional[float], channel: int) -> np.ndarray:
        first = int(round(start * self.rate))
        last = self.frames if end is None else int(round(end * self.rate))
        if self.channels == 1:
            channel = 0  # mono audio is used as it is, whatever --audio_channel says
        elif channel >= self.channels:
            raise ValueError(
                f"has {self.channels} channel(s); --audio_channel {channel} does not exist"
            )
        if first >= self.frames or last > self.frames + int(0.01 * self.rate):
            raise ValueError(
                f"segment {start:.2f}-{end if end is not None else 'end'} s is outside the "
                f"recording ({self.frames / self.rate:.2f} s)"
            )
        self.file.seek(first)
        audio = self.file.read(
            min(last, self.frames) - first, dtype="float32", always_2d=True
        )
        return audio[:, channel]

    def close(self) -> None:
        self.file.close()


def _write_audio(path: Path, audio: np.ndarray, rate: int, audio_format: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    soundfile.write(
        str(tmp),
        np.clip(audio, -1.0, 1.0),
        rate,
        subtype="PCM_16",
        format=audio_format.upper(),
    )
    os.replace(tmp, path)


def _plan(directory: Path) -> Tuple[Dict[str, str], List[Segment]]:
    """(recording -> wav.scp value, segments): without a segments file every entry is one utterance."""
    try:
        recordings = read_kv(directory / "wav.scp")
    except ValueError as exc:
        raise FormatError(str(exc)) from None
    segments_path = directory / "segments"
    if not segments_path.is_file():
        return recordings, [Segment(utt, utt, 0.0, None) for utt in recordings]
    segments = read_segments(segments_path)
    unknown = sorted({s.recording for s in segments} - set(recordings))
    if unknown:
        raise FormatError(
            f"{segments_path}: recording(s) not in wav.scp: {', '.join(unknown[:5])}"
        )
    return recordings, segments


def _by_recording(segments: List[Segment]) -> Iterator[Tuple[str, List[Segment]]]:
    groups: Dict[str, List[Segment]] = {}
    for segment in segments:
        groups.setdefault(segment.recording, []).append(segment)
    yield from sorted(groups.items())


def _copy_without(src: Path, dst: Path, failed: set) -> None:
    """Copy ``utt2spk``, ``text`` and ``spk2utt`` line by line, less the failed utterances.

    Everything else (malformed lines included) is kept as it is, for validation to judge.
    """
    for name in ("utt2spk", "text", "spk2utt"):
        if not (src / name).is_file():
            continue
        with open(src / name, "rb") as source, atomic_open(dst / name, "wb") as target:
            for raw in source:
                key, _, rest = raw.partition(b" ")
                if name == "spk2utt":
                    utts = [
                        u
                        for u in rest.split()
                        if u.decode("utf-8", "replace") not in failed
                    ]
                    if utts or not rest.strip():
                        target.write(key + b" " + b" ".join(utts) + b"\n")
                elif key.strip().decode("utf-8", "replace") not in failed:
                    target.write(raw)


def format_data_dir(
    src: PathLike,
    dst: PathLike,
    sample_rate: int = 16000,
    audio_format: str = "flac",
    channel: int = 0,
) -> FormatReport:
    """Write ``src``'s utterances as mono ``audio_format`` files at ``sample_rate`` under ``dst/data``.

    ``dst`` gets ``wav.scp`` (one file per utterance) and ``utt2spk``/``text`` of the utterances
    written; failed utterances are in the report's problems and left out of ``dst``.
    """
    if audio_format not in AUDIO_FORMATS:
        raise FormatError(
            f"--audio_format must be one of {AUDIO_FORMATS}, not '{audio_format}'"
        )
    if channel < 0:
        raise FormatError(f"--audio_channel must be >= 0, not {channel}")
    src, dst = Path(src), Path(dst)
    report = FormatReport(directory=str(src))
    recordings, segments = _plan(src)
    report.num_utts = len(segments)
    audio_dir = dst / "data"
    audio_dir.mkdir(parents=True, exist_ok=True)
    wav_scp: Dict[str, str] = {}
    progress = tqdm(
        total=len(segments), desc=f"formatting {src}", unit="utt", mininterval=5
    )
    for recording_id, group in _by_recording(segments):
        value = recordings[recording_id]
        targets = {s.utt: audio_dir / f"{s.utt}.{audio_format}" for s in group}
        todo = []
        for segment in group:
            if targets[segment.utt].exists():  # written by an earlier (killed) run
                wav_scp[segment.utt] = str(targets[segment.utt])
                report.reused += 1
            else:
                todo.append(segment)
        if todo:
            where = f"{src / 'wav.scp'} ('{recording_id}': {value})"
            try:
                recording = _Recording(value)
            except (
                Exception
            ) as exc:  # noqa: BLE001 - soundfile and the command raise many types
                message = f"audio not readable ({exc.__class__.__name__}: {str(exc).strip()[:160]})"
                report.problems += [Problem(s.utt, where, message) for s in todo]
                progress.update(len(group))
                continue
            try:
                for segment in todo:
                    try:
                        audio = recording.read(segment.start, segment.end, channel)
                    except ValueError as exc:
                        report.problems.append(Problem(segment.utt, where, str(exc)))
                        continue
                    audio = resample(audio, recording.rate, sample_rate)
                    _write_audio(targets[segment.utt], audio, sample_rate, audio_format)
                    wav_scp[segment.utt] = str(targets[segment.utt])
                    report.written += 1
            finally:
                recording.close()
        progress.update(len(group))
    progress.close()
    write_kv(dst / "wav.scp", wav_scp.items())
    _copy_without(src, dst, {p.utt for p in report.problems})
    logger.info(
        "%s: %d utterances formatted to %s at %d Hz (%d written, %d kept from a previous run, %d failed)",
        src,
        len(wav_scp),
        audio_dir,
        sample_rate,
        report.written,
        report.reused,
        len(report.problems),
    )
    return report


def format_if_needed(
    src: PathLike,
    format_dir: PathLike,
    sample_rate: int = 16000,
    audio_format: str = "flac",
    channel: int = 0,
    drop_bad: bool = False,
) -> Tuple[Path, List[Problem]]:
    """The data dir to validate (``src`` itself, or its audio dumped to ``format_dir``) and the
    utterances formatting failed on.

    Failures raise :class:`bigssl.data.validate.ValidationError` naming each utterance, unless
    ``drop_bad`` (then the caller counts and lists them with validation's own drops).
    """
    src = Path(src)
    reason = why_format(src, sample_rate)
    if reason is None:
        return src, []
    logger.info("%s: dumping its audio to %s (%s)", src, format_dir, reason)
    try:
        report = format_data_dir(src, format_dir, sample_rate, audio_format, channel)
    except FormatError as exc:
        raise ValidationError(str(exc)) from None
    if report.problems and not drop_bad:
        lines = [str(p) for p in report.problems]
        raise ValidationError(
            f"{src}: {len(lines)} utterance(s) could not be formatted:\n  "
            + "\n  ".join(lines[:50])
            + "\n(rerun with --drop_bad true to drop these utterances instead)"
        )
    return Path(format_dir), report.problems
