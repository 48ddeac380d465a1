"""VoxForge language identification, in the layout TensorFlow Datasets' ``voxforge`` builder documents.

TFDS downloads the archives of its URL list with ``wget -x -i voxforge_urls.txt``, which keeps the
server's paths: ``<root>/www.repository.voxforge1.org/downloads/<lang>/Trunk/Audio/Main/
16kHz_16bit/<speaker>-<date>-<tag>.tgz``. Each archive is one submission: ``<name>/wav/*.wav``
(or ``flac/*.flac``) plus ``etc/`` prompts. The label is the language, the folder right above
``Trunk`` (English lives in ``SpeechCorpus``, read as ``en``); the speaker is the archive name up to
its first '-' (as TFDS, so every ``anonymous`` submission of every language is one speaker). Splits
are speaker-disjoint, 70 / 10 / 20 % of the speakers (:func:`group_splits`, seed 0, TFDS' rule).

Audio is read straight from the archives (``tar -xzOf ARCHIVE MEMBER |`` in ``wav.scp``); the
format step resamples it (VoxForge holds 8 to 48 kHz submissions) to 16 kHz mono.
"""

from __future__ import annotations

import re
import shlex
import tarfile
from pathlib import Path
from typing import List

from bigssl.data.corpora.noss import (
    Corpus,
    CorpusError,
    Item,
    Problems,
    TaskData,
    require_dir,
    safe_id,
    speaker_disjoint,
)

CORPUS = Corpus(
    "VoxForge",
    "http://www.voxforge.org/ (the archive list TFDS uses: "
    "https://storage.googleapis.com/tfds-data/downloads/voxforge/voxforge_urls.txt; "
    "local/download.sh fetches it)",
    "GPL",
)
FRACTIONS = (("train", 0.7), ("dev", 0.1), ("test", 0.2))
ENGLISH_DIR = "SpeechCorpus"
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_ARCHIVE_SUFFIXES = (".tgz", ".tar.gz")
_AUDIO_SUFFIXES = (".wav", ".flac")


def archive_language(archive: Path) -> str:
    """The language of an archive: the folder above ``Trunk`` in its path."""
    parts = archive.parts
    if "Trunk" not in parts or parts.index("Trunk") == 0:
        raise ValueError("no '<lang>/Trunk/' in its path")
    folder = parts[parts.index("Trunk") - 1]
    if folder == ENGLISH_DIR:
        return "en"
    if not _LANGUAGE.match(folder):
        raise ValueError(f"'{folder}/Trunk' is not a two-letter language code")
    return folder


def _archive_stem(archive: Path) -> str:
    name = archive.name
    return next(name[: -len(s)] for s in _ARCHIVE_SUFFIXES if name.endswith(s))


def _audio_members(archive: Path) -> List[str]:
    with tarfile.open(archive, "r:*") as tar:
        return sorted(
            m.name
            for m in tar.getmembers()
            if m.isfile()
            and m.name.lower().endswith(_AUDIO_SUFFIXES)
            and Path(m.name).parent.name in ("wav", "flac")
        )


def read_voxforge(root: Path, problems: Problems) -> TaskData:
    """Every audio file of every archive under ``root`` (see the module doc)."""
    require_dir(root, CORPUS, "the directory wget -x filled with VoxForge archives")
    archives = sorted(
        p
        for p in root.rglob("*")
        if p.name.endswith(_ARCHIVE_SUFFIXES) and "Trunk" in p.parts and p.is_file()
    )
    if not archives:
        raise CorpusError(
            f"{root}: no <lang>/Trunk/.../*.tgz archive (download them with "
            f"'wget -x -i voxforge_urls.txt' into this directory); {CORPUS.obtain()}"
        )
    found: List[Item] = []
    for archive in archives:
        try:
            language = archive_language(archive.relative_to(root))
            members = _audio_members(archive)
        except (ValueError, tarfile.TarError, OSError, EOFError) as exc:
            problems.add(archive, f"skipped: {exc}")
            continue
        if not members:
            problems.add(archive, "no wav/*.wav or flac/*.flac inside")
            continue
        stem = _archive_stem(archive)
        speaker = archive.name.split("-")[0]
        for member in members:
            command = f"tar -xzOf {shlex.quote(str(archive.resolve()))} {shlex.quote(member)} |"
            utt = safe_id(language, stem, Path(member).stem)
            found.append(Item(utt, command, language, speaker))
    return TaskData(
        "voxforge",
        CORPUS,
        speaker_disjoint(found, FRACTIONS),
        "speaker-disjoint 70/10/20 % of the speakers (archive name up to its first '-'), "
        "shuffled with numpy RandomState(0) as TFDS' voxforge; label = language",
    )
