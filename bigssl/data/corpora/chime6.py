"""CHiME-6 data preparation: session JSON transcripts + whole-session WAVs -> Kaldi data dirs.

Reads the array-synchronized CHiME-6 release (the CHiME-5 recordings processed by
https://github.com/chimechallenge/chime6-synchronisation, or OpenSLR resource 150)::

    ROOT/audio/{train,dev,eval}/S02_P05.wav        worn binaural mic of participant P05 (2 channels)
    ROOT/audio/{train,dev,eval}/S02_U01.CH1.wav    Kinect array U01, microphone 1 (mono)
    ROOT/transcriptions/{train,dev,eval}/S02.json  a list of utterances, e.g.
        {"end_time": "0:00:43.82", "start_time": "0:00:40.60", "words": "Okay. [laughs]",
         "speaker": "P05", "ref": "U02", "location": "kitchen", "session_id": "S02"}

(``ref``, the utterance's reference array, and ``location`` are given for dev and eval only; the
CHiME-5 format with per-device time dicts is rejected with a pointer to the synchronization.)

The data dirs follow Kaldi's CHiME-6 recipe (egs/chime6/s5_track1/local/{json2text.py,
prepare_data.sh}): ``wav.scp`` holds whole recordings, ``segments`` cuts the utterances, ids are
``P05_S02_KITCHEN-0004060-0004382`` (worn mic; ``.L``/``.R`` before the times when one channel is
taken by a sox pipe) and ``P05_S02_U02_KITCHEN.CH1-0004060-0004382`` (array), times in centiseconds,
speakers are the participants. Text is normalized by :func:`normalize_transcript`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable, Dict, Hashable, Iterable, List, Optional, Sequence, Tuple

import soundfile

from bigssl.data.corpora.common import CorpusError, Problems
from bigssl.data.kaldi_dir import DataDir
from bigssl.io_utils import PathLike, atomic_open

logger = logging.getLogger(__name__)

SPLITS_OF_MIC = {"worn": ("train", "dev", "eval"), "array": ("dev", "eval")}
WORN_CHANNELS = ("stereo", "left", "right", "both")
# Worn-mic recordings the Kaldi CHiME-6 baseline removes from training ("possibly bad sessions",
# egs/chime6/s5_track1/run.sh; see the session notes of the CHiME-5 data page).
BAD_WORN = ("P11_S03", "P52_S19", "P53_S24", "P54_S24")
REQUIRED_FIELDS = ("speaker", "session_id", "start_time", "end_time", "words")
OBTAIN = (
    "CHiME-6 = the CHiME-5 dinner-party recordings, array-synchronized for the CHiME-6 challenge "
    "(https://chimechallenge.github.io/chime6/, data description "
    "https://www.chimechallenge.org/challenges/chime5/data). Get the synchronized release from "
    "OpenSLR resource 150 (https://www.openslr.org/150/), or license CHiME-5 "
    "(https://licensing.sheffield.ac.uk/product/chime5) and synchronize it with "
    "https://github.com/chimechallenge/chime6-synchronisation; egs/chime6/asr1/local/download.sh "
    "does either (see egs/chime6/asr1/README.md)."
)

ADVICE = (
    "logged, counted and listed in data/local/chime6_skipped.txt. If files are missing, check "
    "the corpus: " + OBTAIN
)

# ---- text -----------------------------------------------------------------------------------
# The challenge's normalization, applied in this order to the lower-cased ``words``: Kaldi's
# egs/chime6/s5_track1/local/json2text.py and prepare_data.sh, then the removal of non-word tags
# and the apostrophe mapping of the CHiME-6 scoring (chime-utils' legacy "chime6" scoring
# normalization: lhotse's normalize_text_chime6(kaldi) + jiwer RemoveKaldiNonWords). Hesitations
# (um, uh, hmm, mm) and partial words ("wa-") stay words, as the CHiME-6 scoring keeps them.
REDACTED = "[redacted]"  # an utterance containing it is left out (Kaldi's json2text.py)
NORMALIZATION: Tuple[Tuple[str, "re.Pattern[str]", str], ...] = (
    ("typographic apostrophe -> '", re.compile("\u2019"), "'"),
    ('punctuation " . ? , : ; ! removed', re.compile(r'[".?,:;!]'), ""),
    (
        "[inaudible 0:12:34.56] -> [inaudible] (its time code is digits once : and . are gone)",
        re.compile(r"\[inaudible[- 0-9]*\]"),
        "[inaudible]",
    ),
    (
        "a dash standing alone between words (a pause) removed",
        re.compile(r"(?<!\S)-(?!\S)"),
        " ",
    ),
    ("mm- -> mm (Kaldi's sed 's/mm-/mm/g')", re.compile("mm-"), "mm"),
    (
        "tags [noise] [laughs] [inaudible] <...> removed: not words, not scored",
        re.compile(r"[<\[][^>\]]*[>\]]"),
        " ",
    ),
)


def is_redacted(words: str) -> bool:
    """True if the transcript contains the ``[redacted]`` tag (the utterance is not used)."""
    return REDACTED in words.lower()


def normalize_transcript(words: str) -> str:
    """The CHiME-6 normalization of a JSON ``words`` string; '' if redacted or nothing is left."""
    if is_redacted(words):
        return ""
    text = words.lower()
    for _, pattern, replacement in NORMALIZATION:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


# ---- transcripts ----------------------------------------------------------------------------
_TIME = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)$")


def parse_time(value: str) -> int:
    """``"H:MM:SS.ss"`` (CHiME-6 transcripts) -> centiseconds; ValueError if malformed."""
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"time {value!r} is not H:MM:SS.ss")
    hours, minutes, seconds = match.groups()
    total = (int(hours) * 60 + int(minutes)) * 60 + Decimal(seconds)
    return int((total * 100).to_integral_value())


@dataclass(frozen=True)
class Utterance:
    session: str
    speaker: str
    start: int  # centiseconds
    end: int  # centiseconds
    text: str  # normalized, non-empty
    location: str  # upper case; NOLOCATION where the transcript gives none (train)
    ref: Optional[str]  # reference array (dev, eval)
    where: str  # "<json file> entry <n>"


@dataclass
class SessionCounts:
    """Entries of the transcripts that are left out by design (not problems)."""

    redacted: int = 0
    empty: int = 0  # nothing left after normalization, e.g. "[laughs]"


def read_session(
    path: Path, problems: Problems, counts: SessionCounts
) -> List[Utterance]:
    """The usable utterances of one session JSON; broken entries go to ``problems``."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorpusError(
            f"{path}: not a valid JSON transcript ({err}). {OBTAIN}"
        ) from None
    if not isinstance(entries, list):
        raise CorpusError(
            f"{path}: expected a JSON list of utterances, got {type(entries).__name__}. {OBTAIN}"
        )
    utterances = []
    for index, entry in enumerate(entries):
        where = f"{path} entry {index}"
        if not isinstance(entry, dict):
            problems.add(where, f"not an utterance object: {entry!r:.60}")
            continue
        if isinstance(entry.get("start_time"), dict):
            raise CorpusError(
                f"{where}: start_time is a per-device dict, the CHiME-5 transcript format; "
                "CHiME-6 needs the array-synchronized transcripts (one time per utterance). "
                + OBTAIN
            )
        missing = [name for name in REQUIRED_FIELDS if name not in entry]
        if missing:
            problems.add(where, f"lacks the field(s) {', '.join(missing)}")
            continue
        not_text = [
            n
            for n in ("speaker", "session_id", "words")
            if not isinstance(entry[n], str)
        ]
        if not_text:
            problems.add(where, f"{', '.join(not_text)} not a string")
            continue
        if entry["session_id"] != path.stem:
            problems.add(
                where, f"session_id {entry['session_id']!r} in the file of {path.stem}"
            )
            continue
        try:
            start, end = parse_time(entry["start_time"]), parse_time(entry["end_time"])
        except ValueError as err:
            problems.add(where, str(err))
            continue
        if end <= start:
            problems.add(
                where,
                (
                    f"ends ({entry['end_time']}) before it starts ({entry['start_time']})"
                    if end < start
                    else f"is empty (start = end = {entry['start_time']})"
                ),
            )
            continue
        if is_redacted(entry["words"]):
            counts.redacted += 1
            continue
        text = normalize_transcript(entry["words"])
        if not text:
            counts.empty += 1
            continue
        utterances.append(
            Utterance(
                session=entry["session_id"],
                speaker=entry["speaker"],
                start=start,
                end=end,
                text=text,
                location=str(entry.get("location") or "NOLOCATION").upper(),
                ref=entry.get("ref"),
                where=where,
            )
        )
    return utterances


# ---- Kaldi data dirs with segments ----------------------------------------------------------
def times_id(utt: Utterance) -> str:
    return f"{utt.start:07d}-{utt.end:07d}"


def worn_recordings(
    session: str, speaker: str, path: str, channel: str
) -> List[Tuple[str, str, str]]:
    """(recording id, wav.scp value, utterance-id suffix) of a worn mic for ``channel``.

    ``stereo`` keeps the 2-channel file (the pipeline's ``--audio_channel`` picks one when dumping);
    ``left``/``right``/``both`` take channels with Kaldi's ``sox ... remix N |`` pipes.
    """
    base = f"{speaker}_{session}"
    if channel == "stereo":
        return [(base, path, "")]
    sides = {"left": ["L"], "right": ["R"], "both": ["L", "R"]}[channel]
    return [
        (
            f"{base}.{side}",
            f"sox {path} -t wav - remix {1 if side == 'L' else 2} |",
            f".{side}",
        )
        for side in sides
    ]


def within_recording(
    path: Path, utts: Sequence[Utterance], problems: Problems
) -> List[Utterance]:
    """The utterances of ``utts`` that recording ``path`` holds: it must exist, have a readable
    header and last until each utterance's end; the others go to ``problems``."""
    if not path.is_file():
        problems.add(str(path), f"missing (named by {utts[0].where})", len(utts))
        return []
    try:
        seconds = soundfile.info(str(path)).duration
    except (RuntimeError, soundfile.LibsndfileError) as err:
        problems.add(str(path), f"unreadable audio ({err})", len(utts))
        return []
    inside = []
    for utt in utts:
        if utt.end / 100 > seconds + 0.005:
            problems.add(
                utt.where,
                f"ends at {utt.end / 100:.2f} s, after the end of {path} ({seconds:.2f} s)",
            )
        else:
            inside.append(utt)
    return inside


def _group(
    utts: Iterable[Utterance], key: Callable[[Utterance], Hashable]
) -> Dict[Hashable, List[Utterance]]:
    groups: Dict[Hashable, List[Utterance]] = {}
    for utt in utts:
        groups.setdefault(key(utt), []).append(utt)
    return groups


def _add_unique(
    data: DataDir, utt_id: str, rec: str, utt: Utterance, problems: Problems
) -> None:
    if utt_id in data.segments:
        problems.add(
            utt.where, f"utterance id {utt_id} again (same speaker, session and times)"
        )
        return
    data.segments[utt_id] = (rec, utt.start / 100, utt.end / 100)
    data.text[utt_id] = utt.text
    data.utt2spk[utt_id] = utt.speaker


def is_excluded(utt: Utterance, exclude: Sequence[str]) -> bool:
    """Whether the utterance's worn recording (``<speaker>_<session>``) is one of ``exclude``."""
    return f"{utt.speaker}_{utt.session}" in exclude


def worn_set(
    utts: Sequence[Utterance],
    audio_dir: Path,
    channel: str,
    exclude: Sequence[str],
    problems: Problems,
) -> DataDir:
    """Each utterance from its speaker's own worn mic (``S02_P05.wav``)."""
    data = DataDir(time_decimals=2)
    kept = [u for u in utts if not is_excluded(u, exclude)]
    if len(kept) < len(utts):
        left_out = sorted({f"{u.speaker}_{u.session}" for u in utts} & set(exclude))
        logger.info(
            "%s: left out %d utterances of the excluded worn mics %s (--exclude_worn)",
            audio_dir.name,
            len(utts) - len(kept),
            " ".join(left_out),
        )
    for (session, speaker), group in sorted(
        _group(kept, lambda u: (u.session, u.speaker)).items()
    ):
        path = audio_dir / f"{session}_{speaker}.wav"
        group = within_recording(path, group, problems)
        if not group:
            continue
        for rec, value, suffix in worn_recordings(session, speaker, str(path), channel):
            data.wav_scp[rec] = value
            for utt in group:
                utt_id = f"{speaker}_{session}_{utt.location}{suffix}-{times_id(utt)}"
                _add_unique(data, utt_id, rec, utt, problems)
    return data


def array_set(
    utts: Sequence[Utterance],
    audio_dir: Path,
    array: str,
    channel: int,
    problems: Problems,
) -> DataDir:
    """Each utterance from one microphone (``CH<channel>``) of its reference array (``ref``) or ``array``."""
    data = DataDir(time_decimals=2)
    usable = []
    for utt in utts:
        if array == "ref" and not utt.ref:
            problems.add(
                utt.where,
                "no 'ref' (reference array) field; choose an array with --array U0N",
            )
        else:
            usable.append(utt)
    by_recording = _group(
        usable, lambda u: (u.session, u.ref if array == "ref" else array)
    )
    for (session, device), group in sorted(by_recording.items()):
        rec = f"{session}_{device}.CH{channel}"
        path = audio_dir / f"{rec}.wav"
        group = within_recording(path, group, problems)
        if not group:
            continue
        data.wav_scp[rec] = str(path)
        for utt in group:
            utt_id = f"{utt.speaker}_{session}_{device}_{utt.location}.CH{channel}-{times_id(utt)}"
            _add_unique(data, utt_id, rec, utt, problems)
    return data


def speed_perturbed(data: DataDir, factors: Sequence[str]) -> DataDir:
    """Copies of ``data`` at each speed ``factor``, combined (ESPnet asr.sh's speed perturbation).

    As Kaldi's utils/perturb_data_dir_speed.sh: utterances, recordings and speakers get the prefix
    ``sp<factor>-``, wav.scp entries become ``sox -t wav PATH -t wav - speed F |`` (or that sox
    appended to a piped entry), segment times are divided by the factor (segments no longer than
    10 ms dropped). Factor 1.0 keeps the original entries and ids, as ESPnet's asr.sh does.
    """
    out = DataDir(time_decimals=2)
    for factor_text in factors:
        factor = float(factor_text)
        if factor <= 0:
            raise ValueError(f"speed factor must be positive, got {factor_text}")
        if factor == 1.0:
            out.wav_scp.update(data.wav_scp)
            out.segments.update(data.segments)
            out.text.update(data.text)
            out.utt2spk.update(data.utt2spk)
            continue
        prefix = f"sp{factor_text}-"
        for rec, value in data.wav_scp.items():
            value = value.rstrip()
            out.wav_scp[prefix + rec] = (
                f"{value} sox -t wav - -t wav - speed {factor_text} |"
                if value.endswith("|")
                else f"sox -t wav {value} -t wav - speed {factor_text} |"
            )
        for utt, (rec, start, end) in data.segments.items():
            new_start, new_end = start / factor, end / factor
            if new_end > new_start + 0.01:
                out.segments[prefix + utt] = (prefix + rec, new_start, new_end)
                out.text[prefix + utt] = data.text[utt]
                out.utt2spk[prefix + utt] = prefix + data.utt2spk[utt]
    return out


# ---- the whole corpus -----------------------------------------------------------------------
def check_layout(root: Path, splits: Iterable[str]) -> None:
    """The root and its audio/transcription dirs of ``splits`` exist and hold session JSONs."""
    if not root.is_dir():
        raise CorpusError(
            f"CHiME-6 root {root} does not exist or is not a directory. {OBTAIN}"
        )
    if re.search(r"\s", str(root)):
        raise CorpusError(
            f"CHiME-6 root {root} contains whitespace, which Kaldi's wav.scp cannot hold"
        )
    for split in splits:
        for kind in ("audio", "transcriptions"):
            if not (root / kind / split).is_dir():
                raise CorpusError(
                    f"{root / kind / split}: no such directory; a CHiME-6 root holds "
                    f"audio/{{train,dev,eval}} and transcriptions/{{train,dev,eval}}. {OBTAIN}"
                )
        if not any((root / "transcriptions" / split).glob("S*.json")):
            raise CorpusError(
                f"{root / 'transcriptions' / split}: no session transcripts (S??.json). {OBTAIN}"
            )


@dataclass
class Chime6Options:
    mics: Sequence[str] = ("worn", "array")
    worn_channel: str = "stereo"
    array: str = "ref"  # "ref": each utterance's reference array; or U01..U06
    array_channel: int = 1
    speed_perturb: Sequence[str] = ()
    exclude_worn: Sequence[str] = BAD_WORN
    drop_bad: bool = False


def check_options(options: Chime6Options) -> None:
    unknown = set(options.mics) - set(SPLITS_OF_MIC)
    if not options.mics or unknown:
        raise ValueError(f"--mic takes worn and/or array, got {' '.join(options.mics)}")
    if options.worn_channel not in WORN_CHANNELS:
        raise ValueError(
            f"--worn_channel takes {'/'.join(WORN_CHANNELS)}, got {options.worn_channel}"
        )
    if options.array != "ref" and not re.fullmatch(r"U0[1-6]", options.array):
        raise ValueError(f"--array takes ref or U01..U06, got {options.array}")
    if options.array_channel not in (1, 2, 3, 4):
        raise ValueError(
            f"--array_channel takes 1..4 (a Kinect array has 4 mics), got {options.array_channel}"
        )
    for factor in options.speed_perturb:
        if not re.fullmatch(r"\d+(\.\d+)?", factor) or float(factor) <= 0:
            raise ValueError(
                f"--speed_perturb takes positive factors such as 0.9 1.0 1.1, got {factor}"
            )


def read_transcripts(
    root: Path, splits: Sequence[str], problems: Problems
) -> Dict[str, List[Utterance]]:
    """The usable utterances of each split's session JSONs; broken entries go to ``problems``."""
    utts: Dict[str, List[Utterance]] = {}
    for split in splits:
        counts = SessionCounts()
        utts[split] = [
            u
            for path in sorted((root / "transcriptions" / split).glob("S*.json"))
            for u in read_session(path, problems, counts)
        ]
        logger.info(
            "%s: %d usable utterances in the transcripts; left out: %d [redacted], %d without words "
            "after normalization",
            split,
            len(utts[split]),
            counts.redacted,
            counts.empty,
        )
    return utts


def build_sets(
    root: Path,
    utts: Dict[str, List[Utterance]],
    options: Chime6Options,
    problems: Problems,
) -> Dict[str, DataDir]:
    """The data dirs of ``options.mics`` by set name; missing or short audio goes to ``problems``."""
    sets: Dict[str, DataDir] = {}
    if "worn" in options.mics:
        for split in SPLITS_OF_MIC["worn"]:
            audio = root / "audio" / split
            sets[f"{split}_worn"] = worn_set(
                utts[split], audio, options.worn_channel, options.exclude_worn, problems
            )
        if options.speed_perturb:
            sets["train_worn_sp"] = speed_perturbed(
                sets["train_worn"], options.speed_perturb
            )
    if "array" in options.mics:
        for split in SPLITS_OF_MIC["array"]:
            audio = root / "audio" / split
            sets[f"{split}_array"] = array_set(
                utts[split], audio, options.array, options.array_channel, problems
            )
    return sets


def prepare_chime6(
    root: PathLike, data_dir: PathLike, options: Chime6Options
) -> Dict[str, DataDir]:
    """Write the CHiME-6 data dirs under ``data_dir``; returns them by set name.

    ``worn``: train_worn, dev_worn, eval_worn (+ train_worn_sp with ``speed_perturb``);
    ``array``: dev_array, eval_array. Also data/local/lm_train.txt (the training transcripts, for
    the LM stage, without those of ``exclude_worn``) and data/local/chime6_skipped.txt. Nothing is
    written if there are problems and ``drop_bad`` is false.
    """
    check_options(options)
    root = Path(os.path.abspath(root))
    data_dir = Path(data_dir)
    splits = sorted(
        {s for mic in options.mics for s in SPLITS_OF_MIC[mic]},
        key=("train", "dev", "eval").index,
    )
    check_layout(root, splits)
    problems = Problems(ADVICE, limit=20)
    utts = read_transcripts(root, splits, problems)
    sets = build_sets(root, utts, options, problems)
    listing = [f"{w}: {m} ({n} utterances)\n" for w, m, n in problems.items]
    skipped = problems.settle(f"the CHiME-6 corpus at {root}", options.drop_bad)
    if skipped:
        logger.warning(
            "--drop_bad: skipped %d utterances for %d problems (listed in %s)",
            skipped,
            len(listing),
            data_dir / "local" / "chime6_skipped.txt",
        )
    empty = [name for name, data in sets.items() if not data.segments]
    if empty:
        raise CorpusError(f"{', '.join(empty)}: no utterances left in {root}. {OBTAIN}")
    for name, data in sets.items():
        data.save(data_dir / name)
        logger.info(
            "%s: %d utterances, %d speakers, %.2f h from %d recordings",
            data_dir / name,
            len(data.segments),
            len(set(data.utt2spk.values())),
            data.segment_seconds / 3600,
            len(data.wav_scp),
        )
    with atomic_open(data_dir / "local" / "chime6_skipped.txt") as handle:
        handle.writelines(listing)
    if (
        "train" in utts
    ):  # the transcripts of what train_worn holds (excluded mics left out)
        lm_utts = [u for u in utts["train"] if not is_excluded(u, options.exclude_worn)]
        with atomic_open(data_dir / "local" / "lm_train.txt") as handle:
            for utt in sorted(lm_utts, key=lambda u: (u.session, u.speaker, u.start)):
                handle.write(utt.text + "\n")
    return sets
