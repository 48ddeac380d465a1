"""VoxCeleb1 speaker identification (1,251 speakers) from its release layout.

``<root>/iden_split.txt`` (lines ``<1|2|3> idXXXXX/<video>/<nnnnn>.wav``: 1 = train, 2 = dev,
3 = test, the official identification split) and the audio (16 kHz mono WAV) as the two release
zips extract it: ``<root>/wav/idXXXXX/<video>/<nnnnn>.wav`` (vox1_dev_wav.zip and vox1_test_wav.zip
into one ``wav/``), or each zip into its own folder (``<root>/dev/wav/...``, ``<root>/test/wav/...``,
as s3prl's SUPERB recipe keeps them). The label is the speaker id.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

from bigssl.data.corpora.common import numbered_lines
from bigssl.data.corpora.noss import (
    SPLITS,
    Corpus,
    CorpusError,
    Item,
    Problems,
    TaskData,
    require_dir,
    require_file,
    safe_id,
)

CORPUS = Corpus(
    "VoxCeleb1",
    "https://www.robots.ox.ac.uk/~vgg/data/voxceleb/vox1.html "
    "(iden_split.txt: https://www.robots.ox.ac.uk/~vgg/data/voxceleb/meta/iden_split.txt)",
    "audio by request form on that page, CC BY 4.0",
)
SPLIT_CODES = {"1": "train", "2": "dev", "3": "test"}
_PATH = re.compile(r"^(id\d{5})/([^/\s]+)/([^/\s]+)\.wav$")


def _audio_dirs(root: Path) -> List[Path]:
    dirs = [root / "wav"] if (root / "wav").is_dir() else []
    dirs += sorted(p for p in root.glob("*/wav") if p.is_dir())
    if not dirs:
        raise CorpusError(
            f"{root}: no wav/ directory (nor <part>/wav/) holding idXXXXX/<video>/<nnnnn>.wav; "
            f"{CORPUS.obtain()}"
        )
    return dirs


def read_voxceleb1(root: Path, problems: Problems) -> TaskData:
    """The identification split of ``root`` (see the module doc); missing audio goes to ``problems``."""
    require_dir(root, CORPUS, "the VoxCeleb1 root")
    split_file = require_file(
        root / "iden_split.txt", CORPUS, "the identification split"
    )
    audio_dirs = _audio_dirs(root)
    splits: Dict[str, List[Item]] = {s: [] for s in SPLITS}
    for where, line in numbered_lines(split_file):
        fields = line.split()
        match = _PATH.match(fields[1]) if len(fields) == 2 else None
        if not match or fields[0] not in SPLIT_CODES:
            problems.add(
                where,
                f"expected '<1|2|3> idXXXXX/<video>/<nnnnn>.wav', got {line[:80]!r}",
            )
            continue
        path = next(
            (d / fields[1] for d in audio_dirs if (d / fields[1]).is_file()), None
        )
        if path is None:
            problems.add(
                where,
                f"{fields[1]} is in none of {', '.join(str(d) for d in audio_dirs)} "
                "(speakers id10270-id10309 are in vox1_test_wav.zip, the others in "
                "vox1_dev_wav.zip)",
            )
            continue
        speaker = match.group(1)
        splits[SPLIT_CODES[fields[0]]].append(
            Item(
                safe_id(speaker, match.group(2), match.group(3)),
                str(path.resolve()),
                speaker,
                speaker,
            )
        )
    return TaskData(
        "voxceleb1",
        CORPUS,
        splits,
        "the official identification split (iden_split.txt: 1 train, 2 dev, 3 test); label = speaker",
    )
