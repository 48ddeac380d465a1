"""SpeechStew's Common Voice part: ``cv-corpus-<version>/en/{train,dev,test,validated}.tsv`` + ``clips/*.mp3``.

The TSVs are tab-separated with a header (``client_id path sentence up_votes down_votes age gender
accent(s) locale segment ...``; columns are found by name, since releases add some). The speaker is
the ``client_id``; the MP3 clips (48 kHz) are listed as they are and dumped to 16 kHz by stage 20.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Set, Tuple

from bigssl.data.corpora.speechstew import DataSet, Utterance, corpus_error, normalize

CORPUS = "commonvoice"
PREFIX = "cv"
SPLITS = (("train", "train"), ("dev", "dev"), ("test", "test"))
TRAIN_CHOICES = ("train", "validated")


def _language_dir(root: Path) -> Path:
    for candidate in (root, root / "en"):
        if (candidate / "clips").is_dir() or (candidate / "train.tsv").is_file():
            return candidate
    raise corpus_error(
        CORPUS, root, "neither clips/ nor train.tsv found (give the .../en directory)"
    )


def read_tsv(path: Path, root: Path) -> List[Tuple[str, str, str]]:
    """(client_id, clip file name, sentence) rows of one Common Voice TSV."""
    if not path.is_file():
        raise corpus_error(CORPUS, root, f"{path} is missing")
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t") if lines else []
    try:
        columns = [header.index(c) for c in ("client_id", "path", "sentence")]
    except ValueError:
        raise corpus_error(
            CORPUS,
            root,
            f"{path}: header {header[:4]} lacks client_id, path or sentence",
        ) from None
    rows = []
    for lineno, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) <= max(columns):
            raise corpus_error(
                CORPUS,
                root,
                f"{path}:{lineno}: {len(fields)} columns, expected {len(header)}",
            )
        client, clip, sentence = (fields[c].strip() for c in columns)
        rows.append(
            (client, clip if clip.endswith(".mp3") else f"{clip}.mp3", sentence)
        )
    return rows


def read_commonvoice(
    root: Path, sph_reader: str = "sox", train_tsv: str = "train"
) -> List[DataSet]:
    """``cv_train`` (``train.tsv``, or ``validated.tsv`` less every dev/test sentence), ``cv_dev``, ``cv_test``.

    ``train_tsv validated`` uses all validated clips, as larger setups do; the clips of sentences
    also read in dev or test are left out, so the test sentences stay unseen.
    """
    if train_tsv not in TRAIN_CHOICES:
        raise ValueError(
            f"commonvoice train_tsv must be one of {TRAIN_CHOICES}, not '{train_tsv}'"
        )
    lang_dir = _language_dir(root)
    clips = lang_dir / "clips"
    if not clips.is_dir():
        raise corpus_error(CORPUS, root, f"{clips} is missing")
    tables: Dict[str, List[Tuple[str, str, str]]] = {
        split: read_tsv(lang_dir / f"{tsv}.tsv", root) for split, tsv in SPLITS
    }
    if train_tsv == "validated":
        held_out: Set[str] = {
            normalize(CORPUS, s)
            for split in ("dev", "test")
            for _, _, s in tables[split]
        }
        tables["train"] = [
            row
            for row in read_tsv(lang_dir / "validated.tsv", root)
            if normalize(CORPUS, row[2]) not in held_out
        ]
    datasets = []
    for split, rows in tables.items():
        dataset = DataSet(f"{PREFIX}_{split}", PREFIX, split)
        for client, clip, sentence in rows:
            audio = clips / clip
            if not audio.is_file():
                raise corpus_error(CORPUS, root, f"{audio} (in {split}.tsv) is missing")
            text = normalize(CORPUS, sentence)
            if not text:
                continue
            speaker = f"{PREFIX}-{client}"
            utt = f"{speaker}-{Path(clip).stem}"
            dataset.recordings[utt] = str(audio.resolve())
            dataset.add(Utterance(utt, speaker, utt, text))
        datasets.append(dataset)
    return datasets
