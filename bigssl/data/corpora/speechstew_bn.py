"""SpeechStew's Broadcast News part: the 1996 and 1997 English Broadcast News training sets (HUB4).

* 1996: transcripts LDC97T22 ``hub4_eng_train_trans/<show>/<episode>.txt``, speech LDC97S44
  ``data/<episode>.sph``. SGML: ``<episode filename=...>``, ``<section ...>``, ``<segment
  speaker=... s_time=... e_time=...>`` with ``<sync time=...>`` marks inside.
* 1997: transcripts LDC98T28 ``hub4e97_trans_980217/transcrp/<episode>.sgml``, speech LDC98S71
  ``97_eng_bns_hub4/<episode>.sph``. SGML: ``<turn speaker=... startTime=... endTime=...>`` with
  ``<time sec=...>`` marks.

As Kaldi's hub4_english parse_sgm_199{6,7}_hub4_eng.pl: an utterance is the text between two time
marks (or a mark and the end of its segment/turn), its speaker the segment's/turn's. Text inside
``<comment>``/``<background>`` is not speech; ``<foreign>`` passages are left out (not English);
``<unclear>``/``<overlap>`` tags are dropped, their words kept. 16 kHz SPHERE, read by
``sph2pipe``/``sox`` commands cut by a ``segments`` file. Training data only: SpeechStew reports no
Broadcast News test set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bigssl.data.corpora.common import find_under
from bigssl.data.corpora.speechstew import (
    DataSet,
    Utterance,
    corpus_error,
    normalize,
    sph_command,
    time_id,
)

CORPUS = "bn"
PREFIX = "bn"
TRANSCRIPTS = {  # year -> (transcript directory, glob under it)
    "1996": ("hub4_eng_train_trans", "*/*.txt"),
    "1997": ("hub4e97_trans_980217", "transcrp/*.sgml"),
}
OPENERS = {"segment": ("s_time", "e_time"), "turn": ("starttime", "endtime")}
TIME_MARKS = {"sync": "time", "time": "sec"}
_TAG_OR_TEXT = re.compile(r"<[^>]*>|[^<]+")


@dataclass
class Chunk:
    speaker: str
    start: float
    end: float
    words: str


def parse_attributes(tag: str) -> Dict[str, str]:
    """``<turn speaker=Peter_Jennings startTime=1.5>`` -> {"speaker": ..., "starttime": "1.5"} (keys lower case)."""
    return {
        key.lower(): value.strip('"')
        for key, value in re.findall(r'(\w+)\s*=\s*("[^"]*"|[^\s>]+)', tag)
    }


def parse_sgml(path: Path, root: Path) -> List[Chunk]:
    """The timed, speaker-labelled text chunks of one 1996 or 1997 transcript (foreign ones left out)."""
    chunks: List[Chunk] = []
    speaker: Optional[str] = None
    turn_end = 0.0
    mark = 0.0
    words: List[str] = []
    skip_depth = 0  # inside <comment>/<background>
    foreign = False

    def emit(until: float) -> None:
        nonlocal words, foreign
        if words and speaker is not None and not foreign:
            chunks.append(Chunk(speaker, mark, until, " ".join(words)))
        words, foreign = [], False

    text = path.read_text(encoding="latin-1")
    for piece in _TAG_OR_TEXT.findall(text):
        if not piece.startswith("<"):
            if skip_depth == 0 and piece.strip():
                words.append(piece.strip())
            continue
        name = re.match(r"</?\s*(\w+)", piece)
        tag = name.group(1).lower() if name else ""
        closing = piece.startswith("</")
        attributes = parse_attributes(piece)
        try:
            if tag in OPENERS and not closing:
                emit(mark)
                start_key, end_key = OPENERS[tag]
                speaker = re.sub(
                    r"[^\w.]+", "_", attributes.get("speaker", "unknown")
                ).lower()
                mark, turn_end = float(attributes[start_key]), float(
                    attributes[end_key]
                )
            elif tag in OPENERS and closing:
                emit(turn_end)
                speaker = None
            elif tag in TIME_MARKS and not closing:
                new_mark = float(attributes[TIME_MARKS[tag]])
                emit(new_mark)
                mark = new_mark
            elif tag in ("comment", "background"):
                skip_depth += (
                    -1 if closing else (0 if piece.rstrip().endswith("/>") else 1)
                )
                skip_depth = max(skip_depth, 0)
            elif tag == "foreign" and not closing:
                foreign = True  # the chunk holding a foreign passage is left out
        except (KeyError, ValueError):
            raise corpus_error(
                CORPUS, root, f"{path}: tag {piece.strip()!r} lacks a number it needs"
            ) from None
    return chunks


def _stem(path: Path) -> str:
    return path.stem.rstrip("_").lower()


def read_bn(root: Path, sph_reader: str = "sox") -> List[DataSet]:
    """``bn_train``: every year whose transcripts are under ``root`` (each needs all of its audio)."""
    transcripts: List[Path] = []
    for year, (directory, pattern) in TRANSCRIPTS.items():
        found = [d for d in find_under(root, directory) if d.is_dir()]
        if found:
            files = sorted(found[0].glob(pattern))
            if not files:
                raise corpus_error(
                    CORPUS, root, f"{found[0]} has no {pattern} ({year} transcripts)"
                )
            transcripts += files
    if not transcripts:
        raise corpus_error(
            CORPUS,
            root,
            f"neither {TRANSCRIPTS['1996'][0]}/ (1996) nor {TRANSCRIPTS['1997'][0]}/ (1997) found",
        )
    audio = {_stem(p): p for p in find_under(root, "*.sph")}
    dataset = DataSet(f"{PREFIX}_train", PREFIX, "train")
    for path in transcripts:
        episode = _stem(path)
        if episode not in audio:
            raise corpus_error(CORPUS, root, f"{episode}.sph (for {path}) is missing")
        recording = f"{PREFIX}-{episode}"
        dataset.recordings[recording] = sph_command(
            audio[episode].resolve(), 1, sph_reader
        )
        for chunk in parse_sgml(path, root):
            text = normalize(CORPUS, chunk.words)
            if text and chunk.end > chunk.start:
                speaker = f"{PREFIX}-{chunk.speaker}"
                utt = f"{speaker}-{episode}-{time_id(chunk.start)}-{time_id(chunk.end)}"
                dataset.add(
                    Utterance(utt, speaker, recording, text, chunk.start, chunk.end)
                )
    return [dataset]
