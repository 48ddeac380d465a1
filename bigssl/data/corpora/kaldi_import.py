"""Bring your own data, Kaldi data dirs: a light check of a dir's ``wav.scp``, ``utt2spk``,
``text`` and ``segments`` (each utterance has audio, a speaker and, when labeled, a non-empty
transcript; audio files exist, relative paths read from the current directory; piped ``cmd |``
entries are kept for stage 20); bad utterances are problems naming the file and line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Set, Tuple

from bigssl.data.corpora.common import CorpusError, Problems
from bigssl.data.kaldi_dir import DataDir, SegmentEntry
from bigssl.io_utils import PathLike, iter_kv

KaldiTables = Dict[str, Dict[str, Tuple[int, str]]]  # file name -> key -> (line, value)


@dataclass
class _Bad:
    """The problems found and the first reason each utterance or recording is bad."""

    problems: Problems
    reasons: Dict[str, str] = field(default_factory=dict)

    def add(self, where: str, key: str, message: str, reason: str) -> None:
        self.problems.add(where, message)
        self.reasons.setdefault(key, reason)


def _read_kaldi_tables(src: Path, bad: _Bad) -> KaldiTables:
    """``wav.scp``, ``utt2spk`` and, where present, ``text`` and ``segments`` with line numbers;
    duplicate keys and lines that are not UTF-8 are ``bad``."""
    tables: KaldiTables = {}
    for name in ("wav.scp", "utt2spk", "text", "segments"):
        if not (src / name).is_file():
            continue
        table: Dict[str, Tuple[int, str]] = {}

        def on_bad_line(lineno: int, key: str, reason: str, name: str = name) -> None:
            bad.add(f"{src / name}:{lineno}", key, reason, reason)

        for lineno, key, value in iter_kv(src / name, on_bad_line):
            if key in table:
                message = f"duplicate id '{key}' (first at line {table[key][0]})"
                bad.add(f"{src / name}:{lineno}", key, message, "duplicate")
                continue
            table[key] = (lineno, " ".join(value.split()))
        tables[name] = table
    return tables


def _audio(src: Path, wav_scp: Dict[str, Tuple[int, str]], bad: _Bad) -> Dict[str, str]:
    """The usable ``wav.scp`` entries: existing files (absolute paths) and commands."""
    audio: Dict[str, str] = {}
    for rec, (lineno, value) in wav_scp.items():
        where = f"{src / 'wav.scp'}:{lineno}"
        if not value:
            bad.add(where, rec, f"'{rec}' has no audio", "no audio")
        elif value.endswith("|"):
            audio[rec] = value  # a command; stage 20 runs and checks it
        elif not Path(value).is_file():
            message = f"audio '{value}' does not exist (relative paths are read from {Path.cwd()})"
            bad.add(where, rec, message, "no audio")
        else:
            audio[rec] = os.path.abspath(value)
    return audio


def _segments(src: Path, tables: KaldiTables, bad: _Bad) -> Dict[str, SegmentEntry]:
    """The well-formed ``segments`` rows whose recording is in ``wav.scp`` and usable."""
    segments: Dict[str, SegmentEntry] = {}
    for utt, (lineno, value) in tables.get("segments", {}).items():
        where = f"{src / 'segments'}:{lineno}"
        fields = value.split()
        try:
            recording, start, end = fields[0], float(fields[1]), float(fields[2])
        except (IndexError, ValueError):
            message = f"expected '<utt> <recording> <start> <end>', got '{utt} {value}'"
            bad.add(where, utt, message, "bad segment")
            continue
        if recording not in tables["wav.scp"]:
            message = f"recording '{recording}' is not in wav.scp"
            bad.add(where, utt, message, "no recording")
        elif not 0 <= start < end:
            message = (
                f"start {start:g} >= end {end:g}" if start >= end else "negative start"
            )
            bad.add(where, utt, message, "bad times")
        elif recording in bad.reasons:
            bad.reasons.setdefault(utt, "bad recording")
        else:
            segments[utt] = (recording, start, end)
    return segments


def _check_utterances(
    src: Path, tables: KaldiTables, audio_utts: Set[str], labeled: bool, bad: _Bad
) -> None:
    """Each utterance has audio, exactly one speaker and, when ``labeled``, a non-empty text."""
    utt2spk, text = tables["utt2spk"], tables.get("text", {})
    audio_file = "segments" if "segments" in tables else "wav.scp"
    for utt in sorted(audio_utts | set(utt2spk) | set(text)):
        where_utt2spk = (
            f"{src / 'utt2spk'}:{utt2spk[utt][0]}" if utt in utt2spk else None
        )
        if utt not in audio_utts:
            where = where_utt2spk or f"{src / 'text'}:{text[utt][0]}"
            message = f"utterance '{utt}' has no audio ({audio_file})"
            bad.add(where, utt, message, "no audio")
        if utt not in utt2spk or len(utt2spk[utt][1].split()) != 1:
            where = where_utt2spk or str(src / "utt2spk")
            message = f"utterance '{utt}' needs exactly one speaker id"
            bad.add(where, utt, message, "no speaker")
        if labeled and (utt not in text or not text[utt][1]):
            where = (
                f"{src / 'text'}:{text[utt][0]}" if utt in text else f"{src / 'text'}"
            )
            message = f"utterance '{utt}': empty or missing text"
            bad.add(where, utt, message, "no text")


def import_kaldi_dir(src: PathLike, labeled: bool, problems: Problems) -> DataDir:
    """A light check of a Kaldi data dir (module docstring); bad utterances go to ``problems``."""
    src = Path(src)
    needed = ["wav.scp", "utt2spk"] + (["text"] if labeled else [])
    missing = [name for name in needed if not (src / name).is_file()]
    if missing:
        raise CorpusError(f"{src}: not a Kaldi data dir: missing {', '.join(missing)}")
    bad = _Bad(problems)
    tables = _read_kaldi_tables(src, bad)
    out = DataDir(wav_scp=_audio(src, tables["wav.scp"], bad))
    segments = _segments(src, tables, bad)
    segmented = "segments" in tables
    audio_utts = set(tables["segments"] if segmented else tables["wav.scp"])
    _check_utterances(src, tables, audio_utts, labeled, bad)
    text = tables.get("text", {})
    for utt in sorted(audio_utts - set(bad.reasons)):
        if utt not in (segments if segmented else out.wav_scp):
            continue
        out.utt2spk[utt] = tables["utt2spk"][utt][1]
        if utt in text:
            out.text[utt] = text[utt][1]
        if utt in segments:
            out.segments[utt] = segments[utt]
    return out.subset(list(out.utt2spk))  # the recordings of the skipped ones left out
