"""Check a Kaldi data dir before training: ids, audio, text and speaker maps.

Per-utterance problems (unreadable, empty or cut-off audio, an unsupported codec, wrong rate or
channel count, a duration outside [min, max], empty or missing text or text with no letter or digit,
a line that is not UTF-8 or has no value, missing speaker, duplicate id) are either fatal (default)
or, with ``drop_bad``, dropped, counted and logged. Structural problems (unsorted files, spk2utt
disagreeing with utt2spk) are always fatal.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import soundfile

from bigssl.data.kaldi_dir import DataDir
from bigssl.io_utils import PathLike, atomic_open, iter_kv

logger = logging.getLogger(__name__)


class ValidationError(ValueError):
    """A data dir failed validation; the message lists every problem found."""


@dataclass
class Problem:
    utt: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: utterance '{self.utt}': {self.message}"


@dataclass
class ValidationReport:
    directory: str
    num_utts: int = 0
    audio_seconds: float = 0.0
    utt_problems: List[Problem] = field(default_factory=list)
    fatal: List[str] = field(default_factory=list)

    @property
    def bad_utts(self) -> List[str]:
        return sorted({p.utt for p in self.utt_problems})


def _check_sorted_unique(
    path: Path, rows: List[Tuple[int, str, str]], report: ValidationReport
) -> Dict[str, str]:
    table: Dict[str, str] = {}
    previous: Optional[bytes] = None
    for lineno, key, value in rows:
        encoded = key.encode("utf-8")
        if key in table:
            report.utt_problems.append(Problem(key, f"{path}:{lineno}", "duplicate id"))
            continue
        if previous is not None and encoded < previous:
            report.fatal.append(
                f"{path}:{lineno}: '{key}' is out of order (files must be sorted, C locale)"
            )
        previous = encoded
        table[key] = value
    return table


def check_audio(
    path: str, expected_rate: int, expected_channels: int = 1
) -> Tuple[Optional[str], float]:
    """Return (problem or None, duration in seconds) for one audio file."""
    if path.endswith("|"):
        return (
            "a wav.scp command: dump the audio first (bigssl.bin.validate_data_dir does)",
            0.0,
        )
    try:
        info = soundfile.info(path)
    except Exception as exc:  # soundfile raises several types for unreadable files
        return (
            f"audio '{path}' is not readable ({exc.__class__.__name__}: {str(exc).strip()[:120]})",
            0.0,
        )
    if info.samplerate != expected_rate:
        return (
            f"audio '{path}' has sample rate {info.samplerate}, expected {expected_rate}",
            0.0,
        )
    if info.channels != expected_channels:
        return (
            f"audio '{path}' has {info.channels} channels, expected {expected_channels}",
            0.0,
        )
    if info.frames == 0:
        return f"audio '{path}' is empty", 0.0
    missing = wav_missing_bytes(path)
    if missing:
        frame_bytes = max(1, _PCM_BYTES.get(info.subtype, 2) * info.channels)
        declared = info.frames + missing // frame_bytes
        return (
            f"audio '{path}' is truncated: its header declares {declared / info.samplerate:.2f} s, "
            f"the file holds {info.frames / info.samplerate:.2f} s",
            0.0,
        )
    return None, info.frames / info.samplerate


_PCM_BYTES = {
    "PCM_U8": 1,
    "PCM_S8": 1,
    "PCM_16": 2,
    "PCM_24": 3,
    "PCM_32": 4,
    "FLOAT": 4,
    "DOUBLE": 8,
}


def wav_missing_bytes(path: str) -> int:
    """Bytes a RIFF/WAVE file's ``data`` chunk declares beyond the end of the file (0 if complete).

    libsndfile quietly shortens a cut-off WAV to what is there, so a file whose audio was cut off
    (an interrupted copy) would pass as a shorter utterance with its full transcript. Not a WAV,
    or a streaming header (size 0 or 0xFFFFFFFF): 0.
    """
    import os
    import struct

    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        header = handle.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return 0
        offset = 12
        while offset + 8 <= size:
            handle.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
            if chunk_id == b"data":
                if chunk_size in (0, 0xFFFFFFFF):
                    return 0
                return max(0, offset + 8 + chunk_size - size)
            offset += 8 + chunk_size + (chunk_size & 1)
    return 0


MIN_SECONDS = 0.1  # ESPnet's asr.sh default min_wav_duration
MAX_SECONDS = 60.0


def duration_problem(
    seconds: float, min_seconds: float, max_seconds: float
) -> Optional[str]:
    """Why an utterance of ``seconds`` is unusable (None if it is fine; a bound of 0 is off)."""
    if min_seconds and seconds < min_seconds:
        return f"duration {seconds:.3f} s is below --min_wav_duration {min_seconds:g}"
    if max_seconds and seconds > max_seconds:
        return (
            f"duration {seconds:.1f} s is above --max_wav_duration {max_seconds:g} (split long "
            "recordings into utterances first, or raise the bound)"
        )
    return None


def validate_data_dir(
    directory: PathLike,
    sample_rate: int = 16000,
    require_text: bool = True,
    min_seconds: float = MIN_SECONDS,
    max_seconds: float = MAX_SECONDS,
) -> Tuple[ValidationReport, DataDir]:
    """Validate ``directory``; returns the report and the parsed (unfiltered) data dir."""
    directory = Path(directory)
    report = ValidationReport(directory=str(directory))
    tables: Dict[str, Dict[str, str]] = {}
    for name in ("wav.scp", "utt2spk", "spk2utt", "text"):
        path = directory / name
        if not path.is_file():
            if name == "text" and not require_text:
                tables[name] = {}
                continue
            report.fatal.append(f"{directory}: missing {name}")
            continue

        def bad_line(lineno: int, key: str, reason: str, path: Path = path) -> None:
            report.utt_problems.append(Problem(key, f"{path}:{lineno}", reason))

        tables[name] = _check_sorted_unique(path, list(iter_kv(path, bad_line)), report)
    if report.fatal and "wav.scp" not in tables:
        return report, DataDir({}, {}, {})

    wav_scp, utt2spk = tables.get("wav.scp", {}), tables.get("utt2spk", {})
    text, spk2utt = tables.get("text", {}), tables.get("spk2utt", {})
    report.num_utts = len(wav_scp)

    for utt, path in wav_scp.items():
        problem, seconds = check_audio(path, sample_rate)
        if not problem:
            problem = duration_problem(seconds, min_seconds, max_seconds)
        if problem:
            report.utt_problems.append(
                Problem(utt, str(directory / "wav.scp"), problem)
            )
        report.audio_seconds += seconds
        if not utt2spk.get(utt):
            report.utt_problems.append(
                Problem(utt, str(directory / "utt2spk"), "no speaker")
            )
        if require_text or text:
            if utt not in text:
                report.utt_problems.append(
                    Problem(utt, str(directory / "text"), "no transcript")
                )
            elif not text[utt].strip():
                report.utt_problems.append(
                    Problem(utt, str(directory / "text"), "empty transcript")
                )
            elif not any(char.isalnum() for char in text[utt]):
                report.utt_problems.append(
                    Problem(
                        utt,
                        str(directory / "text"),
                        "transcript has no letter or digit",
                    )
                )
    for name, table in (("utt2spk", utt2spk), ("text", text)):
        for utt in table:
            if utt not in wav_scp:
                report.utt_problems.append(
                    Problem(utt, str(directory / name), "not in wav.scp")
                )

    expected = defaultdict(set)
    for utt, spk in utt2spk.items():
        expected[spk].add(utt)
    listed = {spk: set(v.split()) for spk, v in spk2utt.items()}
    for spk in sorted(set(expected) | set(listed)):
        if expected.get(spk, set()) != listed.get(spk, set()):
            diff = sorted(expected.get(spk, set()) ^ listed.get(spk, set()))
            report.fatal.append(
                f"{directory}/spk2utt: speaker '{spk}' disagrees with utt2spk for utterance(s) {', '.join(diff[:5])}"
            )
    return report, DataDir(wav_scp=wav_scp, utt2spk=utt2spk, text=text)


def validate_and_copy(
    src: PathLike,
    dst: PathLike,
    sample_rate: int = 16000,
    require_text: bool = True,
    drop_bad: bool = False,
    min_seconds: float = MIN_SECONDS,
    max_seconds: float = MAX_SECONDS,
    upstream_problems: Sequence[Problem] = (),
) -> ValidationReport:
    """Validate ``src`` and write the (optionally filtered) data dir to ``dst``.

    Raises ValidationError listing every problem, unless all problems are per-utterance and
    ``drop_bad`` is set; then bad utterances are dropped, counted, logged and listed in
    ``dst/dropped_utts``. ``upstream_problems`` are those of utterances an earlier step (audio
    formatting) already left out of ``src``; they are reported and counted with the others.
    """
    report, data = validate_data_dir(
        src,
        sample_rate=sample_rate,
        require_text=require_text,
        min_seconds=min_seconds,
        max_seconds=max_seconds,
    )
    report.utt_problems[:0] = list(upstream_problems)
    report.num_utts += len({p.utt for p in upstream_problems})
    if report.fatal or (report.utt_problems and not drop_bad):
        lines = report.fatal + [str(p) for p in report.utt_problems]
        hint = (
            ""
            if report.fatal
            else "\n(rerun with --drop_bad true to drop these utterances instead)"
        )
        raise ValidationError(
            f"{src}: {len(lines)} problem(s):\n  " + "\n  ".join(lines[:50]) + hint
        )
    bad = set(report.bad_utts)
    keep = [u for u in data.utt_ids if u not in bad]
    if not keep:
        raise ValidationError(f"{src}: no valid utterance left")
    data.subset(keep).save(dst)
    with atomic_open(Path(dst) / "dropped_utts") as handle:
        for problem in report.utt_problems:
            handle.write(f"{problem.utt} {problem.message}\n")
    if bad:
        logger.warning(
            "%s: dropped %d of %d utterances (listed in %s/dropped_utts)",
            src,
            len(bad),
            report.num_utts,
            dst,
        )
        for problem in report.utt_problems[:20]:
            logger.warning("  %s", problem)
    logger.info(
        "%s: %d utterances, %.2f h of audio -> %s",
        src,
        len(keep),
        report.audio_seconds / 3600,
        dst,
    )
    return report
