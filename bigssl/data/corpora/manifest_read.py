"""Bring your own data, reading: rows of a CSV/JSONL manifest and files of an audio tree as
:class:`Entry` objects (utterances as given, before ids are assigned); a row's problem names its
file and line. The rules are in :mod:`bigssl.data.corpora.manifest`."""

from __future__ import annotations

import csv
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bigssl.data.corpora.common import CorpusError, Problems, walk_once
from bigssl.io_utils import PathLike

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg")
LABELED_COLUMNS = ("path", "text", "speaker")
_UNSAFE = re.compile(r"[^\w.\-]+")


def kaldi_safe(name: str) -> str:
    """``name`` with each run of characters other than letters, digits, ``_ . -`` made one ``_``."""
    return _UNSAFE.sub("_", name.strip()).strip("_") or "_"


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
