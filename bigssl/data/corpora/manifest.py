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

This module turns whole inputs into the recipe's data dirs (:func:`prepare_data_dirs`); reading
rows and audio trees is :mod:`.manifest_read`, ids :mod:`.manifest_ids`, Kaldi dirs
:mod:`.kaldi_import`, and the study's nested labeled fractions :mod:`bigssl.data.fractions`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bigssl.data.corpora.common import CorpusError, Problems
from bigssl.data.corpora.kaldi_import import import_kaldi_dir
from bigssl.data.corpora.manifest_ids import DurationCache, build_set, common_root
from bigssl.data.corpora.manifest_read import (
    Entry,
    read_manifest_entries,
    scan_audio_tree,
)
from bigssl.data.corpora.speechstew import WRITTEN, normalize_with
from bigssl.data.kaldi_dir import SET_NAME, DataDir
from bigssl.io_utils import PathLike, atomic_open, examples, write_kv

logger = logging.getLogger(__name__)

RESERVED_SET_NAMES = ("train", "dev", "unlabeled", "local", "token_list")
ROW_ADVICE = "else fix them"


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
    if not SET_NAME.match(name):
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


def _write_sets(
    out_dir: Path, sets: Dict[str, DataDir], lm_text: Optional[PathLike], written: bool
) -> None:
    """The sets' dirs, the unlabeled reference transcripts and the LM text under ``out_dir``."""
    for name, data in sets.items():
        data.save(out_dir / name, write_text=name != "unlabeled")
    reference = out_dir / "local" / "unlabeled_reference" / "text"
    if "unlabeled" in sets and sets["unlabeled"].text:
        write_kv(reference, sets["unlabeled"].text.items())
    else:
        reference.unlink(missing_ok=True)
    if lm_text:
        lm_train = out_dir / "local" / "lm_train.txt"
        lines = write_lm_text(lm_text, lm_train, written)
        logger.info("%s: %d sentences -> %s", lm_text, lines, lm_train)


def _write_summaries(out_dir: Path, summaries: Dict[str, SetSummary]) -> None:
    """``local/prepare_summary.json`` and ``local/corpus_hours.json``, and one log line a set."""
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
    if text_norm not in TEXT_NORMS:
        raise CorpusError(f"--text_norm must be one of {TEXT_NORMS}, not '{text_norm}'")
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
    written = text_norm == "written"
    sets: Dict[str, DataDir] = {}
    skipped: Dict[str, int] = {}
    for name, source in names.items():
        sets[name], skipped[name] = load_labeled(source, drop_bad, durations)
        if written:
            sets[name], dropped = normalize_set_text(sets[name], source, drop_bad)
            skipped[name] += dropped
    if unlabeled_dir or unlabeled_manifest:
        unlabeled, skipped["unlabeled"] = load_unlabeled(
            unlabeled_dir, unlabeled_manifest, drop_bad, durations
        )
        if written:
            unlabeled.text = {
                u: normalize_with(WRITTEN, t) for u, t in unlabeled.text.items()
            }
        sets["unlabeled"] = unlabeled
    _check_across_sets(sets)
    _write_sets(out_dir, sets, lm_text, written)
    summaries = {
        name: summarize(data, skipped[name], durations if read_durations else None)
        for name, data in sets.items()
    }
    _write_summaries(out_dir, summaries)
    return summaries
