"""Bring your own data: Kaldi data dirs, CSV/JSONL manifests and audio trees -> Kaldi data dirs.

The voicesearch recipe's ``local/data.sh`` (and so any corpus without a recipe) comes through here:

* a **Kaldi data dir** (``wav.scp``, ``utt2spk``, ``text``, optional ``segments``): checked lightly
  (each utterance has audio, a speaker and, when labeled, a non-empty transcript; audio files exist,
  relative paths read from the current directory; piped ``cmd |`` entries are kept for stage 20)
  and rewritten sorted, with absolute paths;
* a **manifest**, CSV with a header row or JSONL (one object per line), columns ``path``, ``text``,
  ``speaker`` and optional ``start``, ``end`` (seconds: a Kaldi ``segments`` file is written and
  ``wav.scp`` lists the recordings; a row with both empty spans its whole recording) and ``id``.
  Relative paths are read from the manifest's directory;
* **unlabeled audio**: a directory tree (``.wav .flac .mp3 .ogg``, found recursively, sorted, hidden
  files skipped) and/or a manifest (``path``; ``speaker``, ``start``, ``end``, ``id`` optional; a
  ``text`` column is kept aside as ``local/<set>_reference/text``, never in the set itself).

Ids are derived from paths relative to a root (the manifest rows' common directory, or the
unlabeled tree): ``sub/dir/file.wav`` -> ``sub-dir-file``, every character other than a letter,
digit, ``_ . -`` made ``_``; the speaker is prefixed unless the id already starts with it, and a
segment's id adds its times in ms (``<spk>-<recording>-<start>-<end>``). Unlabeled audio without a
speaker gets its parent directory (``sub-dir``), or is its own speaker at the tree's top. Distinct
files that map to one id get their extension, then a counter, appended.

Problems of a row or utterance (missing field, empty text or speaker, audio that does not exist,
a duplicate, a bad time, a segment past its recording's end) name the file and line; they are
errors, or with ``drop_bad`` logged, counted and skipped. Problems of a whole input (missing file
or column, nothing left) are always errors.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Container, Dict, List, Optional, Sequence, Set, Tuple

import soundfile

from bigssl.data.corpora.common import CorpusError, Problems, walk_once
from bigssl.data.corpora.speechstew import WRITTEN, normalize_with
from bigssl.data.kaldi_dir import DataDir, load_data_dir
from bigssl.io_utils import PathLike, atomic_open, examples, iter_kv, read_kv, write_kv

logger = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg")
LABELED_COLUMNS = ("path", "text", "speaker")
RESERVED_SET_NAMES = ("train", "dev", "unlabeled", "local", "token_list")
_UNSAFE = re.compile(r"[^\w.\-]+")
_SET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
ROW_ADVICE = "else fix them"


def kaldi_safe(name: str) -> str:
    """``name`` with each run of characters other than letters, digits, ``_ . -`` made one ``_``."""
    return _UNSAFE.sub("_", name.strip()).strip("_") or "_"


def _settle(problems: Problems, source: str, data: DataDir, drop_bad: bool) -> int:
    """Raise, or log and return how many rows were skipped; nothing kept is always an error."""
    problems.sort_by_line()
    skipped = problems.settle(source, drop_bad)
    kept = len(data.utt2spk)
    if kept == 0:
        raise CorpusError(
            f"{source}: no usable utterance"
            + (f" ({skipped} skipped)" if skipped else "")
        )
    if skipped:
        logger.warning("%s: skipped %d bad row(s), kept %d", source, skipped, kept)
    return skipped


# ---- manifests -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One manifest row, its fields as read (lower-cased names)."""

    where: str  # "file:line"
    fields: Dict[str, object]


def read_manifest(path: PathLike) -> Tuple[List[Row], Optional[List[str]], List[str]]:
    """``(rows, CSV header or None for JSONL, per-line problems)`` of a ``.csv`` or ``.jsonl`` file."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: no such manifest")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".jsonl", ".json"):
        rows, problems = _read_jsonl(path)
        return rows, None, problems
    raise CorpusError(f"{path}: a manifest must be .csv or .jsonl")


def _read_csv(path: Path) -> Tuple[List[Row], List[str], List[str]]:
    rows: List[Row] = []
    problems: List[str] = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip().lower() for name in next(reader, [])]
            if not any(header):
                raise CorpusError(f"{path}:1: empty header row")
            repeated = sorted({n for n in header if header.count(n) > 1})
            if repeated:
                raise CorpusError(f"{path}:1: column(s) {repeated} appear twice")
            line = reader.line_num
            for values in reader:
                where, line = f"{path}:{line + 1}", reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    problems.append(
                        f"{where}: {len(values)} fields, the header has {len(header)}"
                    )
                    continue
                rows.append(Row(where, dict(zip(header, values))))
        except UnicodeDecodeError:
            raise CorpusError(
                f"{path}:{reader.line_num + 1}: not valid UTF-8"
            ) from None
        except csv.Error as err:
            raise CorpusError(f"{path}:{reader.line_num}: {err}") from None
    return rows, header, problems


def _read_jsonl(path: Path) -> Tuple[List[Row], List[str]]:
    rows: List[Row] = []
    problems: List[str] = []
    with open(path, "rb") as handle:
        for lineno, raw in enumerate(handle, 1):
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8").strip()
                if not line:
                    continue
                value = json.loads(line)
            except (UnicodeDecodeError, ValueError) as err:
                problems.append(f"{where}: not a JSON line ({str(err)[:80]})")
                continue
            if not isinstance(value, dict):
                problems.append(
                    f"{where}: expected a JSON object, got {type(value).__name__}"
                )
                continue
            rows.append(
                Row(where, {str(k).strip().lower(): v for k, v in value.items()})
            )
    return rows, problems


@dataclass(frozen=True)
class Entry:
    """One utterance as given, before ids are assigned."""

    where: str
    audio: str  # absolute path, or a piped wav.scp command (Kaldi inputs only)
    speaker: Optional[str]
    text: Optional[str]
    span: Optional[Tuple[float, float]]  # None: the whole recording
    utt_id: Optional[str]  # an explicit id


class RowProblem(ValueError):
    """A problem with one row (skipped with drop_bad)."""


def _field(row: Row, name: str) -> Optional[str]:
    value = row.fields.get(name)
    if value is None:
        return None
    return " ".join(str(value).split())


def _time(row: Row, name: str) -> Optional[float]:
    value = _field(row, name)
    if value in (None, ""):
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except ValueError:
        raise RowProblem(f"{name} '{value}' is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise RowProblem(f"{name} {value} must be a finite number >= 0")
    return seconds


def entry_from_row(row: Row, base_dir: Path, labeled: bool, timed: bool) -> Entry:
    """Check one manifest row; a RowProblem names what is wrong with it."""
    required = LABELED_COLUMNS if labeled else ("path",)
    missing = [name for name in required if name not in row.fields]
    if missing:
        raise RowProblem(f"no {', '.join(missing)} field")
    path_value = str(
        row.fields.get("path") or ""
    ).strip()  # inner spaces are the file's own
    if not path_value:
        raise RowProblem("empty path")
    audio = Path(path_value) if os.path.isabs(path_value) else base_dir / path_value
    if not audio.is_file():
        raise RowProblem(f"audio '{path_value}' does not exist (looked for {audio})")
    text = _field(row, "text")
    if labeled and not text:
        raise RowProblem("empty text")
    speaker = _field(row, "speaker")
    if labeled and not speaker:
        raise RowProblem("empty speaker")
    span = None
    if timed:
        start, end = _time(row, "start"), _time(row, "end")
        if (start is None) != (end is None):
            raise RowProblem("start and end must both be given, or both left empty")
        if start is not None and end is not None:
            if start >= end:
                raise RowProblem(f"start {start:g} >= end {end:g}")
            span = (start, end)
    utt_id = _field(row, "id")
    return Entry(
        where=row.where,
        audio=str(Path(os.path.abspath(audio))),
        speaker=kaldi_safe(speaker) if speaker else None,
        text=text or None,
        span=span,
        utt_id=utt_id or None,
    )


def read_manifest_entries(
    path: PathLike, labeled: bool, problems: Problems
) -> Tuple[List[Entry], bool]:
    """The good rows of a manifest as entries, and whether it has times (``start``/``end``)."""
    path = Path(path)
    rows, header, line_problems = read_manifest(path)
    for problem in line_problems:
        where, _, message = problem.partition(": ")
        problems.add(where, message)
    if header is not None:
        required = LABELED_COLUMNS if labeled else ("path",)
        missing = [name for name in required if name not in header]
        if missing:
            raise CorpusError(
                f"{path}:1: missing column(s) {', '.join(missing)} "
                f"(the header has {', '.join(header)}; needed: {', '.join(required)})"
            )
        names = set(header)
    else:
        names = {name for row in rows for name in row.fields}
    if ("start" in names) != ("end" in names) and header is not None:
        raise CorpusError(
            f"{path}:1: a 'start' column needs an 'end' column and vice versa"
        )
    timed = "start" in names or "end" in names
    entries = []
    for row in rows:
        try:
            entries.append(entry_from_row(row, path.parent.resolve(), labeled, timed))
        except RowProblem as err:
            problems.add(row.where, str(err))
    return entries, timed


def scan_audio_tree(root: PathLike) -> List[Entry]:
    """Every audio file under ``root`` (recursive, symlinks followed once, hidden names skipped),
    sorted by relative path (C locale), as unlabeled entries."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"{root}: no such directory of unlabeled audio")
    found: List[Tuple[bytes, Path]] = []
    for dirpath, _, filenames in walk_once(root, skip_hidden=True):
        for name in filenames:
            if not name.lower().endswith(AUDIO_SUFFIXES):
                continue
            path = Path(dirpath) / name
            found.append((path.relative_to(root).as_posix().encode("utf-8"), path))
    found.sort()
    return [
        Entry(f"{path}", str(Path(os.path.abspath(path))), None, None, None, None)
        for _, path in found
    ]


# ---- ids and sets --------------------------------------------------------------------------------


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


def build_set(
    entries: Sequence[Entry],
    root: Path,
    timed: bool,
    problems: Problems,
    durations: DurationCache,
    into: Optional[DataDir] = None,
) -> DataDir:
    """Assign ids (module docstring) and build the set; duplicates and bad spans go to ``problems``.

    ``into``: a set built from another input with the same ``timed``, to add to (ids stay unique).
    """
    out = DataDir() if into is None else into
    origin = {
        utt: "another input" for utt in out.utt2spk
    }  # id -> where it was first used
    recordings = {path: rec for rec, path in out.wav_scp.items()} if timed else {}
    recording_ids = set(recordings.values())
    seen: Dict[Tuple[str, Optional[Tuple[float, float]]], str] = {}
    for entry in entries:
        parts = _relative_parts(entry.audio, root)
        file_key = kaldi_safe("-".join((*parts[:-1], Path(parts[-1]).stem)))
        suffix = Path(entry.audio).suffix.lstrip(".")
        speaker = entry.speaker or (
            kaldi_safe("-".join(parts[:-1])) if len(parts) > 1 else None
        )
        span = entry.span
        if timed and span is None:
            seconds = durations(entry.audio)
            if seconds is None:
                problems.add(
                    entry.where,
                    f"cannot read the duration of '{entry.audio}' for its segment "
                    f"({durations.errors[entry.audio]})",
                )
                continue
            span = (0.0, seconds)
        elif span is not None:
            seconds = durations(entry.audio)
            if seconds is not None and span[1] > seconds + 0.01:
                problems.add(
                    entry.where,
                    f"end {span[1]:g} is past the end of '{entry.audio}' ({seconds:.2f} s); "
                    "start and end are in seconds",
                )
                continue
        key = (entry.audio, span)
        if key in seen:
            problems.add(
                entry.where, f"duplicate of {seen[key]} (same audio and times)"
            )
            continue
        if entry.utt_id is not None:
            utt = entry.utt_id
            if utt in origin:
                problems.add(
                    entry.where, f"duplicate id '{utt}' (first at {origin[utt]})"
                )
                continue
            if kaldi_safe(utt) != utt:
                problems.add(
                    entry.where,
                    f"id '{utt}' has characters other than letters, digits, _ . -",
                )
                continue
        speaker = speaker or (entry.utt_id if entry.utt_id else None)
        if timed:
            recording = recordings.get(entry.audio)
            if recording is None:
                recording = _claim(file_key, recording_ids, suffix)
                recordings[entry.audio] = recording
                recording_ids.add(recording)
            assert span is not None
            if speaker is None:
                speaker = recording
            derived = (
                f"{_with_speaker(speaker, recording)}-"
                f"{round(span[0] * 1000):08d}-{round(span[1] * 1000):08d}"
            )
            utt = entry.utt_id or _claim(derived, origin, "")
            out.segments[utt] = (recording, span[0], span[1])
            out.wav_scp[recording] = entry.audio
        else:
            speaker = speaker or file_key
            utt = entry.utt_id or _claim(
                _with_speaker(speaker, file_key), origin, suffix
            )
            out.wav_scp[utt] = entry.audio
        seen[key] = entry.where
        origin[utt] = entry.where
        out.utt2spk[utt] = speaker
        if entry.text:
            out.text[utt] = entry.text
    return out


KaldiTables = Dict[str, Dict[str, Tuple[int, str]]]  # file name -> key -> (line, value)


def _read_kaldi_tables(
    src: Path, problems: Problems, bad: Dict[str, str]
) -> KaldiTables:
    """``wav.scp``, ``utt2spk`` and, where present, ``text`` and ``segments`` with line numbers;
    duplicate keys and lines that are not UTF-8 go to ``problems`` and ``bad`` (key -> reason).
    """
    tables: KaldiTables = {}
    for name in ("wav.scp", "utt2spk", "text", "segments"):
        if not (src / name).is_file():
            continue
        table: Dict[str, Tuple[int, str]] = {}

        def on_bad_line(lineno: int, key: str, reason: str, name: str = name) -> None:
            problems.add(f"{src / name}:{lineno}", reason)
            bad.setdefault(key, reason)

        for lineno, key, value in iter_kv(src / name, on_bad_line):
            if key in table:
                problems.add(
                    f"{src / name}:{lineno}",
                    f"duplicate id '{key}' (first at line {table[key][0]})",
                )
                bad.setdefault(key, "duplicate")
                continue
            table[key] = (lineno, " ".join(value.split()))
        tables[name] = table
    return tables


def import_kaldi_dir(src: PathLike, labeled: bool, problems: Problems) -> DataDir:
    """A light check of a Kaldi data dir (module docstring); bad utterances go to ``problems``."""
    src = Path(src)
    needed = ["wav.scp", "utt2spk"] + (["text"] if labeled else [])
    missing = [name for name in needed if not (src / name).is_file()]
    if missing:
        raise CorpusError(f"{src}: not a Kaldi data dir: missing {', '.join(missing)}")
    bad: Dict[str, str] = {}  # utterance or recording -> first problem
    tables = _read_kaldi_tables(src, problems, bad)
    wav_scp, utt2spk = tables["wav.scp"], tables["utt2spk"]
    text = tables.get("text", {})
    segments: Dict[str, Tuple[str, float, float]] = {}
    out = DataDir()
    for rec, (lineno, value) in wav_scp.items():
        where = f"{src / 'wav.scp'}:{lineno}"
        if not value:
            problems.add(where, f"'{rec}' has no audio")
            bad.setdefault(rec, "no audio")
        elif value.endswith("|"):
            out.wav_scp[rec] = value  # a command; stage 20 runs and checks it
        elif not Path(value).is_file():
            problems.add(
                where,
                f"audio '{value}' does not exist (relative paths are read from {Path.cwd()})",
            )
            bad.setdefault(rec, "no audio")
        else:
            out.wav_scp[rec] = os.path.abspath(value)
    for utt, (lineno, value) in tables.get("segments", {}).items():
        where = f"{src / 'segments'}:{lineno}"
        fields = value.split()
        try:
            recording, start, end = fields[0], float(fields[1]), float(fields[2])
        except (IndexError, ValueError):
            problems.add(
                where,
                f"expected '<utt> <recording> <start> <end>', got '{utt} {value}'",
            )
            bad.setdefault(utt, "bad segment")
            continue
        if recording not in wav_scp:
            problems.add(where, f"recording '{recording}' is not in wav.scp")
            bad.setdefault(utt, "no recording")
        elif not 0 <= start < end:
            problems.add(
                where,
                f"start {start:g} >= end {end:g}" if start >= end else "negative start",
            )
            bad.setdefault(utt, "bad times")
        elif recording in bad:
            bad.setdefault(utt, "bad recording")
        else:
            segments[utt] = (recording, start, end)
    audio_utts = set(tables["segments"]) if "segments" in tables else set(wav_scp)
    for utt in sorted(audio_utts | set(utt2spk) | set(text)):
        where_utt2spk = (
            f"{src / 'utt2spk'}:{utt2spk[utt][0]}" if utt in utt2spk else None
        )
        if utt not in audio_utts:
            problems.add(
                where_utt2spk or f"{src / 'text'}:{text[utt][0]}",
                f"utterance '{utt}' has no audio ({'segments' if 'segments' in tables else 'wav.scp'})",
            )
            bad.setdefault(utt, "no audio")
        if utt not in utt2spk or len(utt2spk[utt][1].split()) != 1:
            problems.add(
                where_utt2spk or str(src / "utt2spk"),
                f"utterance '{utt}' needs exactly one speaker id",
            )
            bad.setdefault(utt, "no speaker")
        if labeled and (utt not in text or not text[utt][1]):
            where = (
                f"{src / 'text'}:{text[utt][0]}" if utt in text else f"{src / 'text'}"
            )
            problems.add(where, f"utterance '{utt}': empty or missing text")
            bad.setdefault(utt, "no text")
    for utt in sorted(audio_utts - set(bad)):
        if "segments" in tables and utt not in segments:
            continue
        if "segments" not in tables and utt not in out.wav_scp:
            continue
        out.utt2spk[utt] = utt2spk[utt][1]
        if utt in text:
            out.text[utt] = text[utt][1]
        if utt in segments:
            out.segments[utt] = segments[utt]
    return out.subset(list(out.utt2spk))  # the recordings of the skipped ones left out


# ---- whole inputs --------------------------------------------------------------------------------


@dataclass
class SetSummary:
    """What one prepared set holds (hours: None where some audio could not be read)."""

    utterances: int
    speakers: int
    recordings: int
    hours: Optional[float]
    skipped: int


def set_name(path: PathLike) -> str:
    """The data set name of an input: a Kaldi dir's name, or a manifest's file stem."""
    path = Path(path)
    name = path.name if path.is_dir() else path.stem
    if not _SET_NAME.match(name):
        raise CorpusError(
            f"{path}: '{name}' is not a usable data set name (letters, digits, _ . -; rename it)"
        )
    return name


def load_labeled(
    path: PathLike, drop_bad: bool, durations: DurationCache
) -> Tuple[DataDir, int]:
    """A labeled set from a Kaldi dir or a manifest, and how many bad rows were skipped."""
    path = Path(path)
    problems = Problems(ROW_ADVICE, unit="row")
    if path.is_dir():
        data = import_kaldi_dir(path, True, problems)
    else:
        entries, timed = read_manifest_entries(path, True, problems)
        root = common_root([e.audio for e in entries])
        data = build_set(entries, root, timed, problems, durations)
    return data, _settle(problems, str(path), data, drop_bad)


def load_unlabeled(
    audio_dir: Optional[PathLike],
    manifest: Optional[PathLike],
    drop_bad: bool,
    durations: DurationCache,
) -> Tuple[DataDir, int]:
    """The unlabeled set from an audio tree and/or a manifest (its ``text``: the reference transcripts
    a manifest gives, never written into the set's dir)."""
    problems = Problems(ROW_ADVICE, unit="row")
    entries: List[Entry] = []
    timed = False
    if manifest:
        entries, timed = read_manifest_entries(manifest, False, problems)
    data = DataDir()
    if audio_dir:
        build_set(
            scan_audio_tree(audio_dir),
            Path(audio_dir).resolve(),
            timed,
            problems,
            durations,
            data,
        )
    if manifest:
        build_set(
            entries,
            common_root([e.audio for e in entries]),
            timed,
            problems,
            durations,
            data,
        )
    source = " + ".join(str(p) for p in (audio_dir, manifest) if p)
    return data, _settle(problems, source, data, drop_bad)


def summarize(
    data: DataDir, skipped: int, durations: Optional[DurationCache]
) -> SetSummary:
    """Counts and hours of a set (hours from segments, else from the files' headers if asked)."""
    hours: Optional[float] = None
    if data.segments:
        hours = sum(end - start for _, start, end in data.segments.values()) / 3600
    elif durations is not None:
        seconds = [
            durations(p) if not p.endswith("|") else None for p in data.wav_scp.values()
        ]
        hours = None if None in seconds else sum(seconds) / 3600  # type: ignore[arg-type]
    return SetSummary(
        utterances=len(data.utt2spk),
        speakers=len(set(data.utt2spk.values())),
        recordings=len(data.wav_scp),
        hours=hours,
        skipped=skipped,
    )


def _check_across_sets(sets: Dict[str, DataDir]) -> None:
    """Utterance ids must be unique across sets; shared audio files are warned about."""
    owner: Dict[str, str] = {}
    clashes: Dict[Tuple[str, str], List[str]] = {}
    for name, data in sets.items():
        for utt in data.utt2spk:
            if utt in owner:
                clashes.setdefault((owner[utt], name), []).append(utt)
            else:
                owner[utt] = name
    if clashes:
        raise CorpusError(
            "utterance ids must be unique across sets: "
            + "; ".join(
                f"{examples(u, 'ids')} in both {a} and {b}"
                for (a, b), u in clashes.items()
            )
            + " (give them an 'id' column, or rename the files)"
        )
    files = {name: set(data.wav_scp.values()) for name, data in sets.items()}
    names = list(sets)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            shared = files[first] & files[second]
            if shared:
                logger.warning(
                    "%d audio file(s) are in both %s and %s (e.g. %s)%s",
                    len(shared),
                    first,
                    second,
                    sorted(shared)[0],
                    (
                        ": is a test set leaking into training?"
                        if "train" in (first, second)
                        and "unlabeled" not in (first, second)
                        else ""
                    ),
                )


def write_lm_text(src: PathLike, dst: PathLike, normalize: bool = False) -> int:
    """Copy LM training text (one sentence a line, whitespace normalized, blank lines dropped;
    with ``normalize``, in the ``written`` convention like the transcripts)."""
    src = Path(src)
    if not src.is_file():
        raise CorpusError(f"{src}: no such LM text file")
    count = 0
    with open(src, encoding="utf-8") as handle, atomic_open(dst) as out:
        for line in handle:
            sentence = (
                normalize_with(WRITTEN, line) if normalize else " ".join(line.split())
            )
            if sentence:
                out.write(sentence + "\n")
                count += 1
    return count


TEXT_NORMS = ("written", "verbatim")


def normalize_set_text(
    data: DataDir, source: PathLike, drop_bad: bool
) -> Tuple[DataDir, int]:
    """``data`` with its transcripts normalized (``written``); those left without a word are an
    error naming them, or with ``drop_bad`` skipped (logged, counted)."""
    data.text = {u: normalize_with(WRITTEN, t) for u, t in data.text.items()}
    empty = sorted(u for u, t in data.text.items() if not t)
    if not empty:
        return data, 0
    listed = ", ".join(empty[:10]) + (
        f" and {len(empty) - 10} more" if len(empty) > 10 else ""
    )
    if not drop_bad:
        raise CorpusError(
            f"{source}: {len(empty)} transcript(s) have no word left after --text_norm written "
            f"(punctuation or symbols only): {listed}; fix them, use --drop_bad true to skip "
            "them, or --text_norm verbatim"
        )
    logger.warning(
        "%s: skipped %d utterance(s) without a word after --text_norm written: %s",
        source,
        len(empty),
        listed,
    )
    return data.subset([u for u in data.utt_ids if data.text.get(u)]), len(empty)


def prepare_data_dirs(
    out_dir: PathLike,
    train: PathLike,
    dev: PathLike,
    tests: Sequence[PathLike] = (),
    unlabeled_dir: Optional[PathLike] = None,
    unlabeled_manifest: Optional[PathLike] = None,
    lm_text: Optional[PathLike] = None,
    drop_bad: bool = False,
    read_durations: bool = True,
    text_norm: str = "written",
) -> Dict[str, SetSummary]:
    """Write ``out_dir/{train,dev,<test names>,unlabeled}`` (+ ``local/``); returns their summaries.

    ``text_norm``: ``written`` (default) maps every transcript (and the LM text) to the convention
    of the other recipes, so that WER counts words, not case or commas: lower case, punctuation
    removed except apostrophes inside words, numbers and symbols spelled out
    (:func:`bigssl.data.corpora.speechstew.normalize_with`); ``verbatim`` keeps them as given.

    Test sets are named after their input (:func:`set_name`). ``local/unlabeled_reference/text``
    gets the unlabeled manifest's transcripts, ``local/lm_train.txt`` the LM text,
    ``local/prepare_summary.json`` the counts and ``local/corpus_hours.json`` the hours
    (RESULTS.md lists them). ``read_durations``: read every file's header for the hours.
    """
    out_dir = Path(out_dir)
    names: Dict[str, PathLike] = {"train": train, "dev": dev}
    for test in tests:
        name = set_name(test)
        if name in names or name in RESERVED_SET_NAMES:
            raise CorpusError(
                f"{test}: test set name '{name}' is taken (by {names.get(name, 'the recipe')}); rename it"
            )
        names[name] = test
    durations = DurationCache()
    sets: Dict[str, DataDir] = {}
    skipped: Dict[str, int] = {}
    if text_norm not in TEXT_NORMS:
        raise CorpusError(f"--text_norm must be one of {TEXT_NORMS}, not '{text_norm}'")
    for name, source in names.items():
        sets[name], skipped[name] = load_labeled(source, drop_bad, durations)
        if text_norm == "written":
            sets[name], dropped = normalize_set_text(sets[name], source, drop_bad)
            skipped[name] += dropped
    if unlabeled_dir or unlabeled_manifest:
        sets["unlabeled"], skipped["unlabeled"] = load_unlabeled(
            unlabeled_dir, unlabeled_manifest, drop_bad, durations
        )
        if text_norm == "written":
            sets["unlabeled"].text = {
                u: normalize_with(WRITTEN, t) for u, t in sets["unlabeled"].text.items()
            }
    _check_across_sets(sets)
    for name, data in sets.items():
        data.save(out_dir / name, write_text=name != "unlabeled")
    reference = out_dir / "local" / "unlabeled_reference" / "text"
    if "unlabeled" in sets and sets["unlabeled"].text:
        write_kv(reference, sets["unlabeled"].text.items())
    else:
        reference.unlink(missing_ok=True)
    if lm_text:
        lines = write_lm_text(
            lm_text, out_dir / "local" / "lm_train.txt", text_norm == "written"
        )
        logger.info(
            "%s: %d sentences -> %s", lm_text, lines, out_dir / "local" / "lm_train.txt"
        )
    summaries = {
        name: summarize(data, skipped[name], durations if read_durations else None)
        for name, data in sets.items()
    }
    with atomic_open(out_dir / "local" / "prepare_summary.json") as handle:
        json.dump(
            {k: vars(v) for k, v in summaries.items()}, handle, indent=1, sort_keys=True
        )
    hours = {k: v.hours for k, v in summaries.items() if v.hours is not None}
    with atomic_open(out_dir / "local" / "corpus_hours.json") as handle:
        json.dump(hours, handle, indent=1, sort_keys=True)
    for name, summary in summaries.items():
        logger.info(
            "%s/%s: %d utterances, %d speakers, %d recordings, %s h%s",
            out_dir,
            name,
            summary.utterances,
            summary.speakers,
            summary.recordings,
            "?" if summary.hours is None else f"{summary.hours:.3f}",
            f", {summary.skipped} bad row(s) skipped" if summary.skipped else "",
        )
    return summaries


# ---- nested labeled fractions --------------------------------------------------------------------


def write_nested_subsets(
    source: PathLike,
    out_dir: PathLike,
    fractions: Sequence[str],
    seed: int = 1,
    pool_dirs: Sequence[PathLike] = (),
    name: Optional[str] = None,
) -> Dict[str, Dict[str, int]]:
    """Labeled fractions of the data dir ``source`` for the data-efficiency study.

    One seeded permutation of the source's utterances is cut at ``max(1, round(f% x N))`` for each
    fraction ``f`` (percent, as written, e.g. ``"10"``), so smaller fractions are subsets of larger
    ones. Writes ``out_dir/<name>_p<f>`` (labeled; ``name`` defaults to the source's dir name) and
    ``<name>_p<f>_rest`` (the rest, audio only; its transcripts in
    ``local/<name>_p<f>_rest_reference/text``). A fraction's NST pool is its rest plus the unlabeled
    ``pool_dirs``; when transcripts cover all of it (the rest's, and each pool dir's
    ``out_dir/local/<pool name>_reference/text``) they go to ``local/<name>_p<f>_nst_reference/text``,
    else that file is removed. Cut from a validated (dumped) copy, the subsets need no new dump.
    """
    source, out_dir = Path(source), Path(out_dir)
    name = name or source.name
    values: Dict[str, float] = {}
    for label in fractions:
        try:
            value = float(label)
        except ValueError:
            value = float("nan")
        if not 0 < value <= 100 or not _SET_NAME.match(label):
            raise CorpusError(f"fraction '{label}' must be a percentage in (0, 100]")
        if label in values:
            raise CorpusError(f"fraction '{label}' is given twice")
        values[label] = value
    for needed in ("wav.scp", "utt2spk", "text"):
        if not (source / needed).is_file():
            raise CorpusError(
                f"{source}: no {needed}; fractions are cut from a labeled data dir"
            )
    src = load_data_dir(source)
    order = src.utt_ids
    random.Random(seed).shuffle(order)
    pool_utts: Set[str] = set()
    pool_text: Dict[str, str] = {}
    for pool in map(Path, pool_dirs):
        pool_utts |= set(read_kv(pool / "utt2spk"))
        reference = out_dir / "local" / f"{pool.name}_reference" / "text"
        if reference.is_file():
            pool_text.update(read_kv(reference))
    counts = {}
    for label, value in values.items():
        count = max(1, int(value * len(order) / 100 + 0.5))
        subset = f"{name}_p{label}"
        chosen, rest = order[:count], order[count:]
        src.subset(chosen).save(out_dir / subset)
        rest_dir = out_dir / f"{subset}_rest"
        rest_reference = out_dir / "local" / f"{subset}_rest_reference" / "text"
        if rest:
            remainder = src.subset(rest)
            remainder.save(rest_dir, write_text=False)
            write_kv(rest_reference, remainder.text.items())
        else:
            shutil.rmtree(rest_dir, ignore_errors=True)
            rest_reference.unlink(missing_ok=True)
        pool = set(rest) | pool_utts
        known = {**{u: src.text[u] for u in rest}, **pool_text}
        nst_reference = out_dir / "local" / f"{subset}_nst_reference" / "text"
        if pool and pool <= set(known):
            write_kv(nst_reference, ((u, known[u]) for u in pool))
        else:
            nst_reference.unlink(missing_ok=True)
        counts[subset] = {"labeled": len(chosen), "rest": len(rest), "pool": len(pool)}
        logger.info(
            "%s: %d of %d utterances of %s (%s %%); NST pool %d (rest %d + %d unlabeled)%s",
            out_dir / subset,
            len(chosen),
            len(order),
            source,
            label,
            len(pool),
            len(rest),
            len(pool_utts),
            "" if nst_reference.is_file() else ", no complete reference transcripts",
        )
    return counts


# The old name, for bin/prepare_manifest.py until bin/prepare.py replaces it.
ManifestError = CorpusError
