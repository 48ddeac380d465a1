"""SpeechStew's conversational telephone speech: Switchboard-1, Fisher, and Hub5'00 for testing.

All three are two-channel 8 kHz SPHERE conversations, one side per speaker (Kaldi's convention:
the speaker is the conversation side). A side is a ``sph2pipe -f wav -p -c <1|2>`` (or ``sox``)
command; utterances are ``segments`` of it; stage 20 dumps them at 16 kHz.

* Switchboard-1 Release 2 (LDC97S62): ``swb1_d1/data/sw02001.sph`` ...; transcripts from the
  MS-State release ``swb_ms98_transcriptions/20/2001/sw2001A-ms98-a-trans.text``, lines
  ``sw2001A-ms98-a-0001 0.000000 0.977625 [silence]``.
* Fisher English (LDC2004T19/LDC2005T19 + LDC2004S13/LDC2005S13): ``fe_03_p1_tran/data/trans/000/
  fe_03_00001.txt`` (first line ``# fe_03_00001.sph``, then ``7.38 8.78 A: words``) and
  ``fe_03_p1_sph1/audio/000/fe_03_00001.sph``. Lines with ``((`` (unintelligible or guessed
  words) are left out, as Kaldi's fisher_data_prep.sh does.
* Hub5'00 (LDC2002S09 speech ``english/*.sph``, LDC2002T43 transcripts
  ``reference/hub5e00.english.000405.stm``): the test sets ``eval2000_swbd`` (``sw_*``) and
  ``eval2000_callhome`` (``en_*``), the paper's Switchboard and CallHome columns.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from bigssl.data.corpora.common import find_under
from bigssl.data.corpora.speechstew import (
    DataSet,
    Utterance,
    corpus_error,
    normalize,
    sph_command,
    time_id,
)

CHANNELS = {"A": 1, "B": 2}


def _sph_index(root: Path, pattern: str) -> Dict[str, Path]:
    """SPHERE file stem -> path for every file under ``root`` matching ``pattern`` (any depth)."""
    return {
        p.stem.lower(): p
        for p in find_under(root, pattern)
        if p.suffix.lower() == ".sph"
    }


def _find_dir(root: Path, name: str, depth: int = 3) -> Optional[Path]:
    """The first directory called ``name`` at most ``depth`` levels below ``root`` (breadth first)."""
    level = [root]
    for _ in range(depth + 1):
        for directory in level:
            if directory.name == name and directory.is_dir():
                return directory
        level = sorted(c for d in level for c in d.iterdir() if c.is_dir())
    return None


def _side(
    prefix: str, dataset: DataSet, sph: Path, conversation: str, side: str, reader: str
) -> str:
    """Register one conversation side (a channel of ``sph``) as a recording; return its id."""
    recording = f"{prefix}-{conversation}-{side}"
    dataset.recordings[recording] = sph_command(sph.resolve(), CHANNELS[side], reader)
    return recording


def _add(
    dataset: DataSet, corpus: str, recording: str, start: float, end: float, words: str
) -> None:
    """Add one segment of a side (the side is the speaker) unless no word is left of it."""
    text = normalize(corpus, words)
    if text and end > start:
        utt = f"{recording}-{time_id(start)}-{time_id(end)}"
        dataset.add(Utterance(utt, recording, recording, text, start, end))


# ---- Switchboard-1 -------------------------------------------------------------------------------


def read_ms98_file(path: Path, root: Path) -> Iterator[Tuple[float, float, str]]:
    """(start, end, words as written) of one MS-State ``*-trans.text`` file."""
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split(None, 3)
        if not fields:
            continue
        try:
            start, end = float(fields[1]), float(fields[2])
        except (IndexError, ValueError):
            raise corpus_error(
                "swbd", root, f"{path}:{lineno}: not an ms98 line: {line!r}"
            ) from None
        yield start, end, fields[3] if len(fields) > 3 else ""


def read_swbd(root: Path, sph_reader: str = "sox") -> List[DataSet]:
    """``swbd_train``: every transcribed side of Switchboard-1 (its test sets come from eval2000)."""
    ms98 = _find_dir(root, "swb_ms98_transcriptions")
    if ms98 is None:
        raise corpus_error("swbd", root, "no swb_ms98_transcriptions/ directory")
    transcripts = sorted(ms98.glob("*/*/sw*-ms98-a-trans.text"))
    if not transcripts:
        raise corpus_error(
            "swbd", root, f"{ms98} has no */*/sw*-ms98-a-trans.text files"
        )
    audio = _sph_index(root, "sw0*.[sS][pP][hH]")
    dataset = DataSet("swbd_train", "swbd", "train")
    for path in transcripts:
        match = re.fullmatch(r"sw(\d{4})([AB])-ms98-a-trans\.text", path.name)
        if match is None:
            raise corpus_error("swbd", root, f"unexpected transcript file name {path}")
        conversation = f"sw0{match.group(1)}"
        if conversation not in audio:
            raise corpus_error(
                "swbd", root, f"{conversation}.sph (for {path.name}) is missing"
            )
        recording = _side(
            "swbd",
            dataset,
            audio[conversation],
            conversation,
            match.group(2),
            sph_reader,
        )
        for start, end, words in read_ms98_file(path, root):
            _add(dataset, "swbd", recording, start, end, words)
    return [dataset]


# ---- Fisher --------------------------------------------------------------------------------------


def read_fisher_file(path: Path, root: Path) -> Iterator[Tuple[float, float, str, str]]:
    """(start, end, side, words as written) of one Fisher transcript, its header checked."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines or not re.fullmatch(rf"#\s*{re.escape(path.stem)}\.sph\s*", lines[0]):
        raise corpus_error(
            "fisher", root, f"{path}: first line is not '# {path.stem}.sph'"
        )
    for line in lines[1:]:
        match = re.fullmatch(r"\s*([0-9.]+)\s+([0-9.]+)\s+([AB]):\s*(.*?)\s*", line)
        if match:
            yield float(match.group(1)), float(match.group(2)), match.group(
                3
            ), match.group(4)


def read_fisher(root: Path, sph_reader: str = "sox") -> List[DataSet]:
    """``fisher_train``: Fisher parts 1 and/or 2 (a part's transcripts need all of its audio)."""
    tran_dirs = [
        d for d in (_find_dir(root, f"fe_03_p{p}_tran", 2) for p in (1, 2)) if d
    ]
    if not tran_dirs:
        raise corpus_error(
            "fisher", root, "no fe_03_p1_tran/ or fe_03_p2_tran/ directory"
        )
    audio = _sph_index(root, "fe_03_*.[sS][pP][hH]")
    dataset = DataSet("fisher_train", "fisher", "train")
    for tran_dir in tran_dirs:
        transcripts = sorted((tran_dir / "data" / "trans").glob("*/fe_03_*.txt"))
        if not transcripts:
            raise corpus_error(
                "fisher", root, f"{tran_dir}/data/trans/*/fe_03_*.txt: none found"
            )
        for path in transcripts:
            if path.stem not in audio:
                raise corpus_error(
                    "fisher", root, f"{path.stem}.sph (for {path}) is missing"
                )
            sides = {}
            for start, end, side, words in read_fisher_file(path, root):
                if "((" in words:
                    continue
                if side not in sides:
                    sides[side] = _side(
                        "fisher", dataset, audio[path.stem], path.stem, side, sph_reader
                    )
                _add(dataset, "fisher", sides[side], start, end, words)
    return [dataset]


# ---- Hub5'00 -------------------------------------------------------------------------------------


def read_eval2000(root: Path, sph_reader: str = "sox") -> List[DataSet]:
    """``eval2000_swbd`` and ``eval2000_callhome`` from the Hub5'00 stm (scored segments only)."""
    english = _find_dir(root, "english", 3)
    if english is None or not list(english.glob("*.sph")):
        raise corpus_error(
            "eval2000", root, "no english/ directory with *.sph (LDC2002S09)"
        )
    stms = find_under(root, "hub5e00.english.*.stm")
    if not stms:
        raise corpus_error(
            "eval2000", root, "no reference/hub5e00.english.000405.stm (LDC2002T43)"
        )
    audio = {p.stem: p for p in english.glob("*.sph")}
    sets = {
        "sw": DataSet("eval2000_swbd", "eval2000", "test"),
        "en": DataSet("eval2000_callhome", "eval2000", "test"),
    }
    for lineno, line in enumerate(
        stms[0].read_text(encoding="utf-8", errors="replace").splitlines(), 1
    ):
        if not line.strip() or line.startswith(";;"):
            continue
        fields = line.split(None, 6)
        try:
            conversation, side, start, end = (
                fields[0],
                fields[1],
                float(fields[3]),
                float(fields[4]),
            )
        except (IndexError, ValueError):
            raise corpus_error(
                "eval2000", root, f"{stms[0]}:{lineno}: not an stm line: {line!r}"
            ) from None
        words = fields[6] if len(fields) > 6 else ""
        if (
            "IGNORE_TIME_SEGMENT_" in words
            or conversation[:2] not in sets
            or side not in CHANNELS
        ):
            continue
        if conversation not in audio:
            raise corpus_error(
                "eval2000", root, f"{english}/{conversation}.sph is missing"
            )
        dataset = sets[conversation[:2]]
        recording = f"eval2000-{conversation}-{side}"
        if recording not in dataset.recordings:
            _side(
                "eval2000", dataset, audio[conversation], conversation, side, sph_reader
            )
        _add(dataset, "eval2000", recording, start, end, words)
    return [d for d in sets.values() if d.utterances]
