"""ASVspoof 2019 logical access (LA): bona fide vs spoofed (synthetic or converted) speech.

Release layout (``LA.zip`` extracts ``LA/``; ``root`` is ``LA/`` or the folder holding it):
``ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.{train.trn,dev.trl,eval.trl}.txt`` with lines
``<speaker> <utterance> - <attack: A01..A19 or -> <bonafide|spoof>`` and the audio
``ASVspoof2019_LA_{train,dev,eval}/flac/<utterance>.flac`` (16 kHz mono). The challenge's own
partitions are the splits (train, dev, eval = test); the label is the key (bonafide / spoof).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

from bigssl.data.corpora.common import numbered_lines
from bigssl.data.corpora.noss import (
    Corpus,
    Item,
    Problems,
    TaskData,
    require_dir,
    require_file,
)

CORPUS = Corpus(
    "ASVspoof 2019 LA",
    "https://datashare.ed.ac.uk/handle/10283/3336 (LA.zip)",
    "licence terms on that page",
)
PROTOCOL_DIR = "ASVspoof2019_LA_cm_protocols"
PARTS = {
    "train": ("train", "ASVspoof2019.LA.cm.train.trn.txt"),
    "dev": ("dev", "ASVspoof2019.LA.cm.dev.trl.txt"),
    "test": ("eval", "ASVspoof2019.LA.cm.eval.trl.txt"),
}
KEYS = ("bonafide", "spoof")
_ATTACK = re.compile(r"^(A\d\d|-)$")


def _la_dir(root: Path) -> Path:
    require_dir(root, CORPUS, "the ASVspoof 2019 LA root")
    if not (root / PROTOCOL_DIR).is_dir() and (root / "LA").is_dir():
        return root / "LA"
    return root


def read_protocol(protocol: Path, audio_dir: Path, problems: Problems) -> List[Item]:
    """The utterances of one CM protocol file; malformed lines and missing audio go to ``problems``."""
    items = []
    for where, line in numbered_lines(protocol):
        fields = line.split()
        if (
            len(fields) != 5
            or fields[2] != "-"
            or not _ATTACK.match(fields[3])
            or fields[4] not in KEYS
        ):
            problems.add(
                where,
                "expected '<speaker> <utterance> - <A01..A19|-> <bonafide|spoof>', "
                f"got {line[:80]!r}",
            )
            continue
        speaker, utt, _, _, key = fields
        flac = audio_dir / f"{utt}.flac"
        if not flac.is_file():
            problems.add(where, f"{flac}: no such file")
            continue
        items.append(Item(utt, str(flac.resolve()), key, speaker))
    return items


def read_asvspoof2019_la(root: Path, problems: Problems) -> TaskData:
    """The three LA partitions of ``root`` (see the module doc)."""
    la = _la_dir(root)
    protocols = require_dir(la / PROTOCOL_DIR, CORPUS, "the countermeasure protocols")
    splits: Dict[str, List[Item]] = {}
    for split, (part, name) in PARTS.items():
        protocol = require_file(protocols / name, CORPUS, f"the {part} protocol")
        audio_dir = require_dir(
            la / f"ASVspoof2019_LA_{part}" / "flac", CORPUS, f"the {part} audio"
        )
        splits[split] = read_protocol(protocol, audio_dir, problems)
    return TaskData(
        "asvspoof2019_la",
        CORPUS,
        splits,
        "the challenge's partitions (train, dev, eval as test); label = bonafide / spoof",
    )
