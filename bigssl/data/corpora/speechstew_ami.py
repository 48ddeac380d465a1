"""SpeechStew's AMI part: IHM (headset) and SDM (``Array1-01``) audio with the manual annotations.

Layout: ``amicorpus/<meeting>/audio/<meeting>.Headset-<n>.wav`` and ``<meeting>.Array1-01.wav``
(16 kHz WAV), annotations ``ami_public_manual_1.6.2`` (the zip, unpacked, anywhere under the root):
``corpusResources/meetings.xml`` (agent -> headset channel and global speaker id),
``segments/<meeting>.<agent>.segments.xml`` (``transcriber_start/end`` and a ``nite:child`` href to a
range of the agent's words) and ``words/<meeting>.<agent>.words.xml`` (``w`` elements; punctuation
``w punc="true"``, vocal sounds, disfluency markers and gaps are other elements, left out).

The simplest faithful route: one utterance per annotated segment, its words those of the href's
range -- the segmentation the transcribers made, which Kaldi's and lhotse's AMI recipes also start
from. IHM: the segment cut from the speaker's own headset; SDM: the same segment from the first
microphone of array 1. Splits: the full-corpus-ASR partition (dev and eval meeting lists below,
IB4005 in none, everything else train).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bigssl.data.corpora.common import find_under
from bigssl.data.corpora.speechstew import (
    DataSet,
    Utterance,
    corpus_error,
    normalize,
    time_id,
)

CORPUS = "ami"
NITE = "{http://nite.sourceforge.net/}"
_SESSIONS_DEV = ["ES2011", "IS1008", "TS3004"]
_SESSIONS_EVAL = ["ES2004", "IS1009", "TS3003", "EN2002"]
# full-corpus-ASR partition (AMI's recommended ASR split)
DEV = (
    {f"{s}{x}" for s in _SESSIONS_DEV for x in "abcd"}
    | {f"IB400{n}" for n in (1, 2, 3, 4)}
    | {"IB4010", "IB4011"}
)
EVAL = {f"{s}{x}" for s in _SESSIONS_EVAL for x in "abcd"}
EXCLUDED = {"IB4005"}
MICS = {"ihm": "Headset-{channel}", "sdm": "Array1-01"}


def find_annotations(root: Path) -> Path:
    """The directory holding ``corpusResources/meetings.xml``, ``words/`` and ``segments/``."""
    for meetings in find_under(root, "meetings.xml"):
        candidate = meetings.parent.parent
        if (
            meetings.parent.name == "corpusResources"
            and (candidate / "words").is_dir()
            and (candidate / "segments").is_dir()
        ):
            return candidate
    raise corpus_error(
        CORPUS,
        root,
        "no unpacked annotations (ami_public_manual_1.6.2: corpusResources/meetings.xml, words/, segments/)",
    )


def read_speakers(meetings_xml: Path) -> Dict[Tuple[str, str], Tuple[str, int]]:
    """(meeting, agent letter) -> (global speaker id, headset channel)."""
    speakers = {}
    for meeting in ET.parse(meetings_xml).getroot():
        for speaker in meeting:
            if "nxt_agent" in speaker.attrib:
                key = (meeting.attrib["observation"], speaker.attrib["nxt_agent"])
                speakers[key] = (
                    speaker.attrib["global_name"],
                    int(speaker.attrib["channel"]),
                )
    return speakers


def read_words(words_xml: Path) -> Tuple[Dict[str, int], List[Optional[str]]]:
    """(element id -> position, the word at each position or None for non-words)."""
    positions: Dict[str, int] = {}
    words: List[Optional[str]] = []
    for element in ET.parse(words_xml).getroot():
        positions[element.attrib.get(f"{NITE}id", "")] = len(words)
        is_word = (
            element.tag == "w"
            and element.attrib.get("punc") != "true"
            and element.attrib.get("trunc")
            != "true"  # a cut-off (partial) word: dropped
        )
        words.append((element.text or "").strip() if is_word else None)
    return positions, words


def read_segments(
    segments_xml: Path, words_xml: Path, root: Path
) -> List[Tuple[float, float, str]]:
    """(start, end, words as written) of one agent's annotated segments."""
    positions, words = read_words(words_xml)
    rows = []
    for segment in ET.parse(segments_xml).getroot():
        if segment.tag != "segment":
            continue
        try:
            start = float(segment.attrib["transcriber_start"])
            end = float(segment.attrib["transcriber_end"])
        except (KeyError, ValueError):
            raise corpus_error(
                CORPUS, root, f"{segments_xml}: segment without transcriber_start/end"
            ) from None
        text: List[str] = []
        for child in segment:
            match = re.search(
                r"#id\(([^)]+)\)(?:\.\.id\(([^)]+)\))?", child.attrib.get("href", "")
            )
            if match is None:
                continue
            first, last = match.group(1), match.group(2) or match.group(1)
            if first not in positions or last not in positions:
                raise corpus_error(
                    CORPUS,
                    root,
                    f"{segments_xml}: href to unknown words {first}..{last}",
                )
            text += [w for w in words[positions[first] : positions[last] + 1] if w]
        rows.append((start, end, " ".join(text)))
    return rows


def read_ami(
    root: Path, sph_reader: str = "sox", mics: str = "ihm,sdm"
) -> List[DataSet]:
    """``ami_<mic>_{train,dev,eval}`` for each mic of ``mics`` (``ihm``, ``sdm``)."""
    chosen = [m.strip() for m in mics.split(",") if m.strip()]
    if not chosen or any(m not in MICS for m in chosen):
        raise ValueError(
            f"ami mics must be a comma-separated subset of {sorted(MICS)}, not '{mics}'"
        )
    annotations = find_annotations(root)
    speakers = read_speakers(annotations / "corpusResources" / "meetings.xml")
    audio_dirs = {
        p.parent.parent.name: p.parent for p in find_under(root, "*/audio/*.wav")
    }
    if not audio_dirs:
        raise corpus_error(CORPUS, root, "no amicorpus/<meeting>/audio/*.wav")
    meetings = sorted(m for m in audio_dirs if m not in EXCLUDED)
    for split, wanted in (("dev", DEV), ("eval", EVAL)):
        if not wanted & set(meetings):
            raise corpus_error(
                CORPUS,
                root,
                f"no {split} meeting ({', '.join(sorted(wanted)[:4])}, ...) has audio",
            )
    datasets = {
        (mic, split): DataSet(
            f"ami_{mic}_{split}",
            f"ami_{mic}",
            {"train": "train", "dev": "dev", "eval": "test"}[split],
        )
        for mic in chosen
        for split in ("train", "dev", "eval")
    }
    for meeting in meetings:
        split = "dev" if meeting in DEV else "eval" if meeting in EVAL else "train"
        agents = sorted(a for (m, a) in speakers if m == meeting)
        if not agents:
            raise corpus_error(
                CORPUS,
                root,
                f"meeting {meeting} has audio but no speakers in meetings.xml",
            )
        for agent in agents:
            global_id, channel = speakers[(meeting, agent)]
            segments_xml = annotations / "segments" / f"{meeting}.{agent}.segments.xml"
            words_xml = annotations / "words" / f"{meeting}.{agent}.words.xml"
            if not segments_xml.is_file() or not words_xml.is_file():
                continue  # a silent participant has no transcript
            rows = read_segments(segments_xml, words_xml, root)
            for mic in chosen:
                wav = (
                    audio_dirs[meeting]
                    / f"{meeting}.{MICS[mic].format(channel=channel)}.wav"
                )
                if not wav.is_file():
                    raise corpus_error(
                        CORPUS, root, f"{wav} is missing (--ami_mics {mics} needs it)"
                    )
                dataset = datasets[(mic, split)]
                recording = f"ami_{mic}-{meeting}-{wav.stem.split('.')[-1]}"
                dataset.recordings[recording] = str(wav.resolve())
                speaker = f"ami_{mic}-{global_id}"
                for start, end, words in rows:
                    text = normalize(CORPUS, words)
                    if text and end > start:
                        utt = f"{speaker}-{meeting}-{time_id(start)}-{time_id(end)}"
                        dataset.add(
                            Utterance(utt, speaker, recording, text, start, end)
                        )
    return list(datasets.values())
