"""NOSS tasks (the non-semantic speech benchmark BigSSL probes) as task dirs for :mod:`bigssl.probe`.

Two steps, each restartable:

1. **listing** (:func:`write_listing`): a corpus reader (``noss_<corpus>.py``) turns a release
   layout into :class:`TaskData`; it is written to ``<listing_dir>/<task>/`` as ``task.json`` and
   ``{train,dev,test}/{wav.scp,utt2label,utt2spk}`` (Kaldi style, sorted, C locale). ``wav.scp``
   values are audio files or Kaldi commands (``tar -xzOf a.tgz x.wav |``); clips of a longer
   recording (Speech Commands' silence) are a ``segments`` file over whole recordings.
2. **format** (:func:`format_task`): ``<data_dir>/<task>/`` in the probe's format: every utterance
   one plain 16 kHz mono WAV/FLAC file. Files that already are that are used where they lie;
   commands, clips, other rates, several channels or other codecs are dumped by the shared
   :func:`bigssl.data.format_audio.format_data_dir` into ``<dump_dir>/<task>/<split>/data/``. Every
   file is checked (readable, complete, at least 0.1 s); problems are fatal, listed by utterance
   and file, unless ``drop_bad`` (then dropped, counted, listed in ``<split>/dropped_utts``).
   ``task.json`` gets the counts per split and class and the hours per split.

Each task dir is written beside its final place and renamed into it, so a killed step leaves the
previous complete dir or none.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import soundfile

from bigssl.data.corpora.common import CorpusError, Problems
from bigssl.data.format_audio import (
    PLAIN_FORMATS,
    FormatError,
    Segment,
    format_data_dir,
    is_command,
    read_segments,
)
from bigssl.data.kaldi_dir import DataDir
from bigssl.data.validate import MIN_SECONDS, check_audio, duration_problem
from bigssl.io_utils import PathLike, atomic_open, read_kv, write_kv, write_text_atomic

logger = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class Corpus:
    """A corpus and how to obtain it (quoted by every error about it)."""

    name: str
    url: str
    access: str  # licence or access terms

    def obtain(self) -> str:
        return f"{self.name} is obtained from {self.url} ({self.access})"


@dataclass(frozen=True)
class Item:
    """One labeled utterance: a whole audio file (or command), or the clip ``start..end`` seconds of
    ``recording`` (then ``audio`` is that recording's file)."""

    utt_id: str
    audio: str
    label: str
    speaker: str
    recording: Optional[str] = None
    start: float = 0.0
    end: Optional[float] = None


@dataclass
class TaskData:
    """A task's utterances per split, the corpus, and how the splits and classes were made."""

    task: str
    corpus: Corpus
    splits: Dict[str, List[Item]]
    description: str


def safe_id(*parts: str) -> str:
    """An utterance id from ``parts`` joined by '-', characters outside ``[A-Za-z0-9_.-]`` as '_'."""
    return _UNSAFE.sub("_", "-".join(parts))


def require_dir(path: Path, corpus: Corpus, what: str) -> Path:
    if not path.is_dir():
        raise CorpusError(f"{path}: no such directory ({what}); {corpus.obtain()}")
    return path


def require_file(path: Path, corpus: Corpus, what: str) -> Path:
    if not path.is_file():
        raise CorpusError(f"{path}: no such file ({what}); {corpus.obtain()}")
    return path


def group_splits(
    groups: Iterable[str], fractions: Sequence[Tuple[str, float]], seed: int = 0
) -> Dict[str, str]:
    """group -> split, every group in exactly one split (speaker-disjoint splits).

    The distinct groups, sorted, are shuffled by ``numpy.random.RandomState(seed)`` and cut at the
    cumulative ``fractions`` (``int(fraction_sum * n)``; the last split takes the rest): the rule
    of TensorFlow Datasets' VoxForge, CREMA-D and SAVEE builders, so the same speakers give the same
    splits. Like TFDS the fractions are summed in floating point (0.7 + 0.1 < 0.8), so with few
    groups a split can get none: that is an error here.
    """
    ordered = sorted(set(groups))
    np.random.RandomState(seed).shuffle(ordered)
    assignment: Dict[str, str] = {}
    total = 0.0
    for index, (split, fraction) in enumerate(fractions):
        first = int(total * len(ordered))
        total += fraction
        last = (
            len(ordered) if index == len(fractions) - 1 else int(total * len(ordered))
        )
        if last <= first:
            raise CorpusError(
                f"{len(ordered)} speaker(s) leave the {split} split empty "
                f"(fractions {', '.join(f'{s} {f:g}' for s, f in fractions)})"
            )
        assignment.update({group: split for group in ordered[first:last]})
    return assignment


def speaker_disjoint(
    items: Sequence[Item], fractions: Sequence[Tuple[str, float]]
) -> Dict[str, List[Item]]:
    """``items`` in speaker-disjoint splits: their speakers divided by :func:`group_splits`."""
    assignment = group_splits((item.speaker for item in items), fractions)
    splits: Dict[str, List[Item]] = {split: [] for split in SPLITS}
    for item in items:
        splits[assignment[item.speaker]].append(item)
    return splits


# ---- step 1: the listing ---------------------------------------------------------------------


def _replace_dir(tmp: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)


def _fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _check_unique(items: Sequence[Item], where: str) -> None:
    counts = Counter(item.utt_id for item in items)
    duplicates = sorted(u for u, n in counts.items() if n > 1)
    if duplicates:
        raise CorpusError(
            f"{where}: {len(duplicates)} duplicate utterance id(s), e.g. {duplicates[:3]}"
        )


def write_listing(data: TaskData, listing_dir: PathLike) -> Path:
    """Write ``data`` to ``<listing_dir>/<task>/`` (see the module doc); returns that dir."""
    listing_dir = Path(listing_dir)
    tmp = _fresh_dir(listing_dir / f".{data.task}.tmp")
    everything = [item for split in SPLITS for item in data.splits.get(split, [])]
    _check_unique(everything, f"{data.task} ({data.corpus.name})")
    for split in SPLITS:
        items = data.splits.get(split, [])
        if not items:
            raise CorpusError(
                f"{data.task}: no {split} utterance found; {data.corpus.obtain()}"
            )
        out = tmp / split
        listing = DataDir(utt2spk={i.utt_id: i.speaker for i in items}, time_decimals=3)
        if any(item.recording for item in items):
            for item in items:
                recording = item.recording or item.utt_id
                if listing.wav_scp.setdefault(recording, item.audio) != item.audio:
                    raise CorpusError(f"recording {recording} has two audio sources")
                end = -1 if item.end is None else item.end
                listing.segments[item.utt_id] = (recording, item.start, end)
        else:
            listing.wav_scp = {i.utt_id: i.audio for i in items}
        listing.save(out)
        write_kv(out / "utt2label", ((i.utt_id, i.label) for i in items))
    info = {
        "kind": "classification",
        "classes": sorted({item.label for item in everything}),
        "corpus": data.corpus.name,
        "obtained_from": data.corpus.url,
        "splits": data.description,
    }
    write_text_atomic(tmp / "task.json", json.dumps(info, indent=2) + "\n")
    target = listing_dir / data.task
    _replace_dir(tmp, target)
    logger.info(
        "%s: listed %s utterances from %s",
        data.task,
        " / ".join(f"{len(data.splits[s])} {s}" for s in SPLITS),
        data.corpus.name,
    )
    return target


# ---- step 2: formatting into the probe's task dir ---------------------------------------------


def _plain_file(value: str, sample_rate: int) -> bool:
    """True if ``value`` is a readable mono WAV/FLAC file at ``sample_rate`` (usable as it is)."""
    if is_command(value):
        return False
    try:
        info = soundfile.info(value)
    except Exception:  # noqa: BLE001 - unreadable: formatting reports it per utterance
        return False
    return (
        info.samplerate == sample_rate
        and info.channels == 1
        and info.format in PLAIN_FORMATS
    )


def _read_plan(src: Path) -> Tuple[Dict[str, str], List[Segment]]:
    recordings = read_kv(src / "wav.scp")
    if (src / "segments").is_file():
        segments = read_segments(src / "segments")
        unknown = sorted({s.recording for s in segments} - set(recordings))
        if unknown:
            raise CorpusError(
                f"{src / 'segments'}: recording(s) not in wav.scp: {unknown[:5]}"
            )
        return recordings, segments
    return recordings, [Segment(utt, utt, 0.0, None) for utt in recordings]


def _dump(
    todo: List[Segment],
    recordings: Mapping[str, str],
    speakers: Mapping[str, str],
    dump: Path,
    sample_rate: int,
) -> Tuple[Dict[str, str], Dict[str, str]]:
    """Format ``todo`` into ``dump`` (through a Kaldi dir ``dump/source``): (utt -> file, utt -> problem)."""
    source = dump / "source"
    DataDir(
        wav_scp={s.recording: recordings[s.recording] for s in todo},
        utt2spk={s.utt: speakers[s.utt] for s in todo},
        segments={
            s.utt: (s.recording, s.start, -1 if s.end is None else s.end) for s in todo
        },
        time_decimals=3,
    ).save(source)
    try:
        report = format_data_dir(source, dump, sample_rate, "flac")
    except FormatError as exc:
        raise CorpusError(str(exc)) from None
    return read_kv(dump / "wav.scp"), {p.utt: str(p) for p in report.problems}


@dataclass
class _SplitFiles:
    """A formatted split: utterance -> plain file, label, speaker; the unusable ones and why."""

    wav: Dict[str, str]
    labels: Dict[str, str]
    speakers: Dict[str, str]
    problems: Dict[str, str]
    seconds: float


def _format_split(src: Path, dump: Path, sample_rate: int) -> _SplitFiles:
    """Every utterance of the listing ``src`` as a plain file (dumped into ``dump`` if it must be)."""
    recordings, segments = _read_plan(src)
    labels = read_kv(src / "utt2label", one_token=True)
    speakers = read_kv(src / "utt2spk", one_token=True)
    wav: Dict[str, str] = {}
    todo: List[Segment] = []
    for segment in segments:
        value = recordings[segment.recording]
        whole = segment.start == 0.0 and segment.end is None
        if whole and _plain_file(value, sample_rate):
            wav[segment.utt] = value
        else:
            todo.append(segment)
    problems: Dict[str, str] = {}
    if todo:
        logger.info(
            "%s: %d of %d utterances need formatting (commands, clips, other rates, channels "
            "or codecs); dumping them to %s",
            src,
            len(todo),
            len(segments),
            dump,
        )
        dumped, failed = _dump(todo, recordings, speakers, dump, sample_rate)
        wav.update(dumped)
        problems.update(failed)
    seconds = 0.0
    for utt, path in sorted(wav.items()):
        problem, duration = check_audio(path, sample_rate)
        problem = problem or duration_problem(duration, MIN_SECONDS, 0.0)
        if problem:
            problems[utt] = f"{src / 'wav.scp'}: utterance '{utt}': {problem}"
        else:
            seconds += duration
    return _SplitFiles(wav, labels, speakers, problems, seconds)


def _write_split(files: _SplitFiles, out: Path) -> Dict[str, int]:
    """Write the usable utterances (and ``dropped_utts``) to ``out``; returns the count per class."""
    kept = sorted(set(files.wav) - set(files.problems))
    if files.problems:
        logger.warning(
            "dropped %d utterance(s), listed in %s",
            len(files.problems),
            out / "dropped_utts",
        )
        with atomic_open(out / "dropped_utts") as handle:
            handle.write(
                "".join(f"{files.problems[u]}\n" for u in sorted(files.problems))
            )
    write_kv(out / "wav.scp", ((u, files.wav[u]) for u in kept))
    write_kv(out / "utt2label", ((u, files.labels[u]) for u in kept))
    write_kv(out / "utt2spk", ((u, files.speakers[u]) for u in kept))
    return dict(Counter(files.labels[u] for u in kept))


def format_task(
    listing_dir: PathLike,
    task: str,
    data_dir: PathLike,
    dump_dir: PathLike,
    sample_rate: int = 16000,
    drop_bad: bool = False,
) -> Dict[str, object]:
    """``<data_dir>/<task>/`` from ``<listing_dir>/<task>/`` (see the module doc); returns its
    ``task.json`` content. Unusable utterances of every split are listed together in one error,
    unless ``drop_bad``."""
    src = Path(listing_dir) / task
    if not (src / "task.json").is_file():
        raise CorpusError(f"{src}: no task.json (run the data preparation step first)")
    info = json.loads((src / "task.json").read_text(encoding="utf-8"))
    splits = {
        split: _format_split(src / split, Path(dump_dir) / task / split, sample_rate)
        for split in SPLITS
    }
    problems = sorted(p for f in splits.values() for p in f.problems.values())
    if problems and not drop_bad:
        listed = "\n  ".join(problems[:30])
        more = f"\n  ... and {len(problems) - 30} more" if len(problems) > 30 else ""
        raise CorpusError(
            f"{src}: {len(problems)} utterance(s) unusable:\n  {listed}{more}\n"
            "(--drop_bad true drops them instead)"
        )
    for split, files in splits.items():
        if not set(files.wav) - set(files.problems):
            raise CorpusError(f"{src / split}: no usable utterance left")
    tmp = _fresh_dir(Path(data_dir) / f".{task}.tmp")
    counts = {
        split: _write_split(files, tmp / split) for split, files in splits.items()
    }
    hours = {split: files.seconds / 3600.0 for split, files in splits.items()}
    missing = sorted((set(counts["dev"]) | set(counts["test"])) - set(counts["train"]))
    if missing:
        logger.warning(
            "%s: class(es) %s are in dev/test but not in train", task, missing
        )
    info.update(
        {
            "sample_rate": sample_rate,
            "counts": {s: dict(sorted(c.items())) for s, c in counts.items()},
            "hours": {s: round(h, 4) for s, h in hours.items()},
            "dropped": len(problems),
        }
    )
    write_text_atomic(tmp / "task.json", json.dumps(info, indent=2) + "\n")
    _replace_dir(tmp, Path(data_dir) / task)
    logger.info(
        "%s: %s utterances ready in %s",
        task,
        " / ".join(f"{sum(counts[s].values())} {s}" for s in SPLITS),
        Path(data_dir) / task,
    )
    return info
