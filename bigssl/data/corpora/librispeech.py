"""LibriSpeech and Libri-Light, read from their release layouts, as Kaldi data dirs.

* LibriSpeech (https://www.openslr.org/12): ``LibriSpeech/<part>/<spk>/<chapter>/`` holds
  ``<spk>-<chapter>.trans.txt`` (lines ``<spk>-<chapter>-<utt> WORDS``) and one 16 kHz FLAC per
  utterance. ``<part>`` becomes ``data/<part with underscores>`` (dev-clean -> dev_clean), plus
  ``train_960`` and ``dev`` when all their parts are prepared. The speaker of an utterance is
  ``<spk>-<chapter>``, as in Kaldi's and ESPnet's LibriSpeech recipes.
* Libri-Light's labeled low-resource sets (https://github.com/facebookresearch/libri-light,
  ``librispeech_finetuning/``): ``1h/<0..5>/{clean,other}/`` and ``9h/{clean,other}/`` in the
  LibriSpeech layout; 10 min = ``1h/0``, 1 h = ``1h/*``, 10 h = ``1h/*`` + ``9h``. The FLAC files
  present are the set (a ``trans.txt`` may list more of its chapter).
* Libri-Light's unlabeled ``small|medium|large/<spk>/<book>/<name>.flac`` with ``<name>.json``
  (``voice_activity``: ``[start, end]`` seconds): consecutive voiced segments are grouped as
  Libri-Light's ``cut_by_vad.py`` groups them (:func:`group_voice_activity`), each group one line
  of a Kaldi ``segments`` file over the whole recording in ``wav.scp``; no transcripts. The
  subsets asked for go into one data dir, ``data/librilight`` (small + medium + large = unlab-60k).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from bigssl.data.corpora.common import CorpusError, Problems
from bigssl.data.kaldi_dir import DataDir
from bigssl.io_utils import PathLike, atomic_open, examples

logger = logging.getLogger(__name__)

LIBRISPEECH_URL = "https://www.openslr.org/12"
LIBRILIGHT_URL = "https://github.com/facebookresearch/libri-light"
LIBRISPEECH_PARTS = (
    "train-clean-100",
    "train-clean-360",
    "train-other-500",
    "dev-clean",
    "dev-other",
    "test-clean",
    "test-other",
)
# Data sets made of several parts, written when every part is prepared (ESPnet's names).
COMBINED_SETS = {
    "train_960": ("train-clean-100", "train-clean-360", "train-other-500"),
    "dev": ("dev-clean", "dev-other"),
}
FINETUNING_DIR = "librispeech_finetuning"
_ONE_HOUR = tuple(f"1h/{fold}" for fold in range(6))
FINETUNING_SETS = {
    "train_10min": ("1h/0",),
    "train_1h": _ONE_HOUR,
    "train_10h": _ONE_HOUR + ("9h",),
}
LIBRILIGHT_SUBSETS = ("small", "medium", "large")
# data/librilight: the unlabeled subsets prepared, together
UNLABELED_SET = "librilight"
VAD_TARGET_SECONDS = 60.0  # cut_by_vad.py's --target_len_sec default
# A pause longer than this ends a group, and a group spans at most twice its voiced target: a Kaldi
# segment keeps the pauses that cut_by_vad.py cuts out (a 120 s gap once made a 140 s segment).
VAD_MAX_PAUSE_SECONDS = 5.0
_WORD = re.compile(r"^[A-Z']*[A-Z][A-Z']*$")


def _obtain(corpus: str) -> str:
    url = LIBRILIGHT_URL if corpus == "Libri-Light" else LIBRISPEECH_URL
    return f"{corpus} is obtained from {url} (local/download.sh fetches it)"


@dataclass(frozen=True)
class Utterance:
    utt_id: str
    speaker: str
    audio: str  # absolute path of the FLAC file
    text: str = ""


@dataclass(frozen=True)
class Segment:
    utt_id: str
    recording: str
    start: float
    end: float


def normalize_transcript(text: str) -> str:
    """The project's transcript convention, which LibriSpeech already follows: upper-case words of
    letters and apostrophes (``DON'T``, ``O'CLOCK``, the plural possessive ``HORSES'``), one space
    between words. Raises ValueError for any other character (digits, punctuation, non-ASCII).
    """
    words = text.upper().split()
    bad = [word for word in words if not _WORD.match(word)]
    if not words or bad:
        raise ValueError(
            f"expected upper-case words of A-Z and apostrophes, got {text.strip()!r}"
            + (f" (bad word(s): {' '.join(bad[:3])})" if bad else "")
        )
    return " ".join(words)


def _numbered_dirs(parent: Path, corpus: str) -> Iterator[Path]:
    """The sub-directories of ``parent`` (speakers or chapters), which must be numbers."""
    for child in sorted(parent.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        if not child.name.isdigit():
            raise CorpusError(
                f"{child}: expected a numbered speaker or chapter directory; {_obtain(corpus)}"
            )
        yield child


def _chapters(root: Path, corpus: str) -> List[Tuple[str, str, Path]]:
    """``(speaker, chapter, dir)`` for every ``<spk>/<chapter>/`` under ``root``."""
    if not root.is_dir():
        raise CorpusError(f"{root}: no such directory; {_obtain(corpus)}")
    found = [
        (spk_dir.name, chap_dir.name, chap_dir)
        for spk_dir in _numbered_dirs(root, corpus)
        for chap_dir in _numbered_dirs(spk_dir, corpus)
    ]
    if not found:
        raise CorpusError(
            f"{root}: no <speaker>/<chapter> directories (an incomplete download?); {_obtain(corpus)}"
        )
    return found


def _transcript_line(
    raw: bytes, id_pattern: "re.Pattern[str]", expected: str, seen: Dict[str, str]
) -> Optional[Tuple[str, str]]:
    """``(utt, normalized words)`` of one ``.trans.txt`` line, None if blank; a ValueError says
    what is wrong with it."""
    try:
        line = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValueError("not valid UTF-8") from None
    if not line:
        return None
    utt, _, words = line.partition(" ")
    if not id_pattern.match(utt):
        raise ValueError(f"expected '{expected} WORDS', got {line[:60]!r}")
    if not words.strip():
        raise ValueError(f"utterance {utt} has no words after its id")
    if utt in seen:
        raise ValueError(f"utterance {utt} listed twice")
    try:
        return utt, normalize_transcript(words)
    except ValueError as err:
        raise ValueError(f"utterance {utt}: {err}") from None


def read_chapter_transcripts(
    chapter_dir: Path, speaker: str, chapter: str, corpus: str, problems: Problems
) -> Dict[str, str]:
    """``utt -> normalized text`` of ``<spk>-<chapter>.trans.txt``; bad lines go to ``problems``."""
    trans = chapter_dir / f"{speaker}-{chapter}.trans.txt"
    if not trans.is_file():
        raise CorpusError(
            f"{trans}: missing (the chapter's transcripts); {_obtain(corpus)}"
        )
    id_pattern = re.compile(rf"^{speaker}-{chapter}-\d+$")
    expected = f"{speaker}-{chapter}-<NNNN>"
    transcripts: Dict[str, str] = {}
    with open(trans, "rb") as handle:
        for lineno, raw in enumerate(handle, 1):
            try:
                parsed = _transcript_line(raw, id_pattern, expected, transcripts)
            except ValueError as err:
                problems.add(f"{trans}:{lineno}", str(err))
                continue
            if parsed:
                transcripts[parsed[0]] = parsed[1]
    return transcripts


def read_librispeech_part(part_dir: Path, problems: Problems) -> List[Utterance]:
    """The utterances of one LibriSpeech part: every transcript line with its FLAC file."""
    utterances: List[Utterance] = []
    unlisted = 0
    for speaker, chapter, chapter_dir in _chapters(part_dir, "LibriSpeech"):
        transcripts = read_chapter_transcripts(
            chapter_dir, speaker, chapter, "LibriSpeech", problems
        )
        for utt, text in transcripts.items():
            flac = chapter_dir / f"{utt}.flac"
            if not flac.is_file():
                problems.add(
                    chapter_dir / f"{speaker}-{chapter}.trans.txt",
                    f"utterance {utt} has no audio file {flac}",
                )
                continue
            utterances.append(
                Utterance(utt, f"{speaker}-{chapter}", os.path.abspath(flac), text)
            )
        unlisted += sum(
            1 for f in chapter_dir.glob("*.flac") if f.stem not in transcripts
        )
    if unlisted:
        logger.warning(
            "%s: %d FLAC file(s) without a transcript line ignored", part_dir, unlisted
        )
    return utterances


def read_finetuning_folder(folder: Path, problems: Problems) -> List[Utterance]:
    """One ``librispeech_finetuning`` folder (``1h/0``, ``9h``): its clean/ and other/ FLAC files."""
    utterances: List[Utterance] = []
    for kind in ("clean", "other"):
        for speaker, chapter, chapter_dir in _chapters(folder / kind, "Libri-Light"):
            transcripts = read_chapter_transcripts(
                chapter_dir, speaker, chapter, "Libri-Light", problems
            )
            for flac in sorted(chapter_dir.glob("*.flac")):
                if flac.stem not in transcripts:
                    problems.add(
                        flac,
                        f"no line for {flac.stem} in {speaker}-{chapter}.trans.txt",
                    )
                    continue
                utterances.append(
                    Utterance(
                        flac.stem,
                        f"{speaker}-{chapter}",
                        os.path.abspath(flac),
                        transcripts[flac.stem],
                    )
                )
    return utterances


def read_voice_activity(json_path: Path) -> List[Tuple[float, float]]:
    """The ``voice_activity`` ``[start, end]`` pairs (seconds) of a Libri-Light JSON file.

    Raises ValueError if the file is not JSON, has no ``voice_activity``, or a pair is not two
    numbers with 0 <= start < end at or after the previous end.
    """
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not a JSON file ({err})") from None
    if not isinstance(meta, dict) or "voice_activity" not in meta:
        raise ValueError("no 'voice_activity' (the VAD segments) in it")
    pairs: List[Tuple[float, float]] = []
    previous_end = 0.0
    for item in meta["voice_activity"]:
        ok = isinstance(item, list) and len(item) == 2
        ok = ok and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in item
        )
        if not ok or not previous_end <= item[0] < item[1]:
            raise ValueError(
                f"voice_activity item {item!r} is not [start, end] with "
                f"{previous_end:g} <= start < end (seconds, in order)"
            )
        pairs.append((float(item[0]), float(item[1])))
        previous_end = float(item[1])
    return pairs


def group_voice_activity(
    voice_activity: Sequence[Tuple[float, float]],
    target_seconds: float = VAD_TARGET_SECONDS,
    max_pause_seconds: float = VAD_MAX_PAUSE_SECONDS,
) -> List[Tuple[float, float]]:
    """Group consecutive VAD segments into pretraining segments, as Libri-Light's ``cut_by_vad.py``.

    A group takes segments while its voiced length (the sum of segment lengths) stays within
    ``target_seconds``; a segment that would exceed it starts the next group (a segment longer
    than the target is a group by itself). cut_by_vad.py concatenates the voiced slices of a group;
    a Kaldi segment is one span, so each group is ``(first start, last end)``, pauses included, and
    a segment after a pause longer than ``max_pause_seconds``, or one that would stretch the span
    past twice the target, starts the next group too.
    """
    groups: List[Tuple[float, float]] = []
    span: Optional[Tuple[float, float]] = None
    voiced = 0.0
    for start, end in voice_activity:
        if span is not None and (
            voiced + (end - start) > target_seconds
            or start - span[1] > max_pause_seconds
            or end - span[0] > 2 * target_seconds
        ):
            groups.append(span)
            span, voiced = None, 0.0
        span = (start, end) if span is None else (span[0], end)
        voiced += end - start
    if span is not None:
        groups.append(span)
    return groups


def read_librilight_subset(
    subset_dir: Path, target_seconds: float, problems: Problems
) -> Tuple[Dict[str, str], List[Segment], Dict[str, str]]:
    """``(recording -> FLAC, segments, utt -> speaker)`` of an unlabeled Libri-Light subset.

    Recording ids are ``<spk>-<book dir>-<file stem>``, utterances ``<recording>_<NNNN>`` (as
    cut_by_vad.py names its pieces); the speaker is the LibriVox speaker id.
    """
    if not subset_dir.is_dir():
        raise CorpusError(f"{subset_dir}: no such directory; {_obtain('Libri-Light')}")
    recordings: Dict[str, str] = {}
    segments: List[Segment] = []
    utt2spk: Dict[str, str] = {}
    silent = 0
    for speaker_dir in _numbered_dirs(subset_dir, "Libri-Light"):
        books = (p for p in speaker_dir.iterdir() if p.is_dir() and p.name[0] != ".")
        for book_dir in sorted(books):
            for json_path in sorted(book_dir.glob("*.json")):
                flac = json_path.with_suffix(".flac")
                recording = f"{speaker_dir.name}-{book_dir.name}-{json_path.stem}"
                if re.search(r"\s", recording):
                    problems.add(
                        json_path,
                        f"recording id {recording!r} would contain white space",
                    )
                    continue
                if not flac.is_file():
                    problems.add(json_path, f"no audio file {flac}")
                    continue
                try:
                    groups = group_voice_activity(
                        read_voice_activity(json_path), target_seconds
                    )
                except ValueError as err:
                    problems.add(json_path, str(err))
                    continue
                silent += not groups
                recordings[recording] = os.path.abspath(flac)
                for index, (start, end) in enumerate(groups):
                    utt = f"{recording}_{index:04d}"
                    segments.append(Segment(utt, recording, start, end))
                    utt2spk[utt] = speaker_dir.name
    if not recordings and not problems.found:
        raise CorpusError(
            f"{subset_dir}: no <speaker>/<book>/<name>.json files (an incomplete download?); "
            f"{_obtain('Libri-Light')}"
        )
    if silent:
        logger.warning("%s: %d recording(s) without voice activity", subset_dir, silent)
    return recordings, segments, utt2spk


def _check_unique(utterances: Sequence[Utterance], what: str) -> None:
    counts: Dict[str, int] = defaultdict(int)
    for utt in utterances:
        counts[utt.utt_id] += 1
    repeated = [u for u, n in counts.items() if n > 1]
    if repeated:
        raise CorpusError(
            f"{what}: {examples(repeated, 'utterance ids')} occur more than once"
        )


def _replace_dir(directory: Path, data: DataDir) -> None:
    """Write ``data`` into a fresh ``directory`` (built beside it, then swapped in)."""
    tmp = directory.with_name(f".{directory.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    data.save(tmp)
    shutil.rmtree(directory, ignore_errors=True)
    tmp.rename(directory)


def write_labeled_dir(directory: Path, utterances: Sequence[Utterance]) -> None:
    """``wav.scp text utt2spk spk2utt``, sorted in C order; ids must be unique."""
    _check_unique(utterances, str(directory))
    data = DataDir(
        wav_scp={u.utt_id: u.audio for u in utterances},
        utt2spk={u.utt_id: u.speaker for u in utterances},
        text={u.utt_id: u.text for u in utterances},
    )
    _replace_dir(directory, data)
    logger.info(
        "%s: %d utterances, %d speakers",
        directory,
        len(utterances),
        len(set(data.utt2spk.values())),
    )


def write_segmented_dir(
    directory: Path,
    recordings: Dict[str, str],
    segments: Sequence[Segment],
    utt2spk: Dict[str, str],
) -> None:
    """``wav.scp`` (whole recordings), ``segments``, ``utt2spk``, ``spk2utt``; no ``text``."""
    data = DataDir(
        wav_scp=dict(recordings),
        utt2spk=dict(utt2spk),
        segments={s.utt_id: (s.recording, s.start, s.end) for s in segments},
        time_decimals=3,
    )
    _replace_dir(directory, data)
    logger.info(
        "%s: %d segments (%.2f h) of %d recordings, %d speakers",
        directory,
        len(segments),
        data.segment_seconds / 3600,
        len(recordings),
        len(set(utt2spk.values())),
    )


def _librispeech_dir(root: Path) -> Path:
    """``root/LibriSpeech`` (the tarballs' top directory), or ``root`` if it is that directory."""
    if (root / "LibriSpeech").is_dir():
        return root / "LibriSpeech"
    if root.name == "LibriSpeech" and root.is_dir():
        return root
    raise CorpusError(
        f"{root}: no LibriSpeech/ directory in it (--librispeech_root is the directory the "
        f"tarballs were extracted in); {_obtain('LibriSpeech')}"
    )


def write_lm_text(
    out: Path, train_texts: Sequence[str], lm_text: Optional[Path] = None
) -> int:
    """``out`` = the lines of ``lm_text`` (LibriSpeech's ``librispeech-lm-norm.txt[.gz]``, as
    normalized by :func:`normalize_transcript`; others are skipped and counted) + ``train_texts``,
    the LM training text of the paper's LM. Returns the number of lines written."""
    written = skipped = 0
    with atomic_open(out) as handle:
        if lm_text is not None:
            if not lm_text.is_file():
                raise CorpusError(
                    f"{lm_text}: no such file (--lm_text, librispeech-lm-norm.txt[.gz] from "
                    "https://www.openslr.org/11)"
                )
            opener = gzip.open if lm_text.suffix == ".gz" else open
            with opener(lm_text, "rt", encoding="utf-8", errors="replace") as source:
                for line in source:
                    if not line.strip():
                        continue
                    try:
                        handle.write(normalize_transcript(line) + "\n")
                        written += 1
                    except ValueError:
                        skipped += 1
        for text in train_texts:
            handle.write(text + "\n")
            written += 1
    if skipped:
        logger.warning(
            "%s: %d line(s) of %s not in the transcript convention skipped",
            out,
            skipped,
            lm_text,
        )
    logger.info("%s: %d lines of LM training text", out, written)
    return written


def _check_choices(
    parts: Sequence[str], subsets: Sequence[str], vad_target_seconds: float
) -> None:
    unknown = [p for p in parts if p not in LIBRISPEECH_PARTS]
    if unknown or not parts:
        raise CorpusError(
            (
                f"unknown LibriSpeech part(s) {unknown}"
                if unknown
                else "no LibriSpeech part"
            )
            + f": choose from {' '.join(LIBRISPEECH_PARTS)}"
        )
    unknown = [s for s in subsets if s not in LIBRILIGHT_SUBSETS]
    if unknown:
        raise CorpusError(
            f"unknown Libri-Light subset(s) {unknown}: "
            f"choose from {' '.join(LIBRILIGHT_SUBSETS)}"
        )
    if vad_target_seconds <= 0:
        raise CorpusError(f"the VAD target must be positive, got {vad_target_seconds}")


def read_labeled_sets(
    librispeech: Path,
    parts: Sequence[str],
    finetuning: Optional[Path],
    drop_bad: bool,
) -> Tuple[Dict[str, List[Utterance]], int]:
    """``(data set name -> utterances, skipped)``: the LibriSpeech ``parts`` (``dev-clean`` ->
    ``dev_clean``), ``train_960``/``dev`` when all their parts are there, and with ``finetuning``
    (a ``librispeech_finetuning`` dir) ``train_10min``, ``train_1h`` and ``train_10h``.
    """
    skipped = 0
    by_part: Dict[str, List[Utterance]] = {}
    for part in parts:
        problems = Problems(_obtain("LibriSpeech"))
        by_part[part] = read_librispeech_part(librispeech / part, problems)
        skipped += problems.settle(str(librispeech / part), drop_bad)
    sets = {part.replace("-", "_"): by_part[part] for part in parts}
    for name, members in COMBINED_SETS.items():
        if all(p in by_part for p in members):
            sets[name] = [u for p in members for u in by_part[p]]
    if finetuning is not None:
        folders: Dict[str, List[Utterance]] = {}
        for folder in FINETUNING_SETS["train_10h"]:
            problems = Problems(_obtain("Libri-Light"))
            folders[folder] = read_finetuning_folder(finetuning / folder, problems)
            skipped += problems.settle(str(finetuning / folder), drop_bad)
        for name, members in FINETUNING_SETS.items():
            sets[name] = [u for f in members for u in folders[f]]
    return sets, skipped


def write_unlabeled_dir(
    directory: Path,
    librilight_root: Path,
    subsets: Sequence[str],
    vad_target_seconds: float,
    drop_bad: bool,
) -> Tuple[int, int]:
    """The unlabeled ``subsets`` together as one segmented data dir; ``(segments, skipped)``."""
    recordings: Dict[str, str] = {}
    segments: List[Segment] = []
    utt2spk: Dict[str, str] = {}
    skipped = 0
    for subset in subsets:
        problems = Problems(_obtain("Libri-Light"))
        found = read_librilight_subset(
            librilight_root / subset, vad_target_seconds, problems
        )
        skipped += problems.settle(str(librilight_root / subset), drop_bad)
        clash = set(found[0]) & set(recordings)
        if clash:
            raise CorpusError(
                f"{librilight_root / subset}: {examples(clash, 'recordings')} "
                "are also in another subset"
            )
        recordings.update(found[0])
        segments.extend(found[1])
        utt2spk.update(found[2])
    write_segmented_dir(directory, recordings, segments, utt2spk)
    return len(segments), skipped


def prepare_corpus(
    data_dir: PathLike,
    librispeech_root: PathLike,
    parts: Sequence[str] = LIBRISPEECH_PARTS,
    librilight_root: Optional[PathLike] = None,
    librilight_limited: bool = True,
    librilight_subsets: Sequence[str] = LIBRILIGHT_SUBSETS,
    vad_target_seconds: float = VAD_TARGET_SECONDS,
    lm_text: Optional[PathLike] = None,
    drop_bad: bool = False,
) -> Dict[str, int]:
    """Write every data dir of the recipe under ``data_dir``; returns utterances per set.

    The labeled sets of :func:`read_labeled_sets` (the low-resource ones with
    ``librilight_root`` and ``librilight_limited``); with ``librilight_root`` and
    ``librilight_subsets``, ``librilight``: their segments (small + medium + large = unlab-60k);
    ``local/lm_train.txt`` from ``lm_text`` and the training transcripts. Per-utterance problems
    stop the run, listing them all, or with ``drop_bad`` are skipped, logged and counted.
    """
    _check_choices(parts, librilight_subsets, vad_target_seconds)
    data_dir = Path(data_dir)
    librilight = Path(librilight_root) if librilight_root is not None else None
    finetuning = (
        librilight / FINETUNING_DIR if librilight and librilight_limited else None
    )
    sets, skipped = read_labeled_sets(
        _librispeech_dir(Path(librispeech_root)), parts, finetuning, drop_bad
    )
    counts: Dict[str, int] = {}
    for name, utterances in sets.items():
        if not utterances:
            raise CorpusError(f"{name}: no utterance left to write (all skipped)")
        write_labeled_dir(data_dir / name, utterances)
        counts[name] = len(utterances)
    if librilight is not None and librilight_subsets:
        counts[UNLABELED_SET], dropped = write_unlabeled_dir(
            data_dir / UNLABELED_SET,
            librilight,
            librilight_subsets,
            vad_target_seconds,
            drop_bad,
        )
        skipped += dropped
    train_texts = [
        u.text
        for p in parts
        if p.startswith("train-")
        for u in sets[p.replace("-", "_")]
    ]
    write_lm_text(
        data_dir / "local" / "lm_train.txt",
        train_texts,
        Path(lm_text) if lm_text is not None else None,
    )
    if skipped:
        logger.warning("%d utterance(s) skipped in all (--drop_bad true)", skipped)
    return counts
