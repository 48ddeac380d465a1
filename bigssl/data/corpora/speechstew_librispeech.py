"""SpeechStew's LibriSpeech part: ``LibriSpeech/<part>/<speaker>/<chapter>/<speaker>-<chapter>.trans.txt``
and ``<speaker>-<chapter>-<nnnn>.flac`` (16 kHz mono FLAC, used as it is).

:func:`read_librispeech_part` is this recipe's own small reader of the release layout; the
``bigssl.data.corpora.librispeech`` module (the librispeech recipe's) is meant to replace it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from bigssl.data.corpora.speechstew import DataSet, Utterance, corpus_error, normalize

CORPUS = "librispeech"
PREFIX = "ls"
TRAIN_PARTS = ("train-clean-100", "train-clean-360", "train-other-500")
EVAL_PARTS = ("dev-clean", "dev-other", "test-clean", "test-other")


def read_librispeech_part(part_dir: Path) -> List[Tuple[str, str, str, Path]]:
    """(utterance id, speaker, transcript as written, FLAC path) of one part, sorted by id.

    Every ``*.trans.txt`` line must name an existing FLAC file; anything else is a CorpusError.
    """
    rows: List[Tuple[str, str, str, Path]] = []
    transcripts = sorted(part_dir.glob("*/*/*.trans.txt"))
    if not transcripts:
        raise corpus_error(
            CORPUS, part_dir.parent.parent, f"{part_dir} has no */*/*.trans.txt"
        )
    for trans in transcripts:
        speaker, chapter = trans.parent.parent.name, trans.parent.name
        for lineno, line in enumerate(
            trans.read_text(encoding="utf-8").splitlines(), 1
        ):
            if not line.strip():
                continue
            utt, _, words = line.partition(" ")
            if not utt.startswith(f"{speaker}-{chapter}-") or not words.strip():
                raise corpus_error(
                    CORPUS,
                    part_dir.parent.parent,
                    f"{trans}:{lineno}: malformed line {line!r}",
                )
            flac = trans.parent / f"{utt}.flac"
            if not flac.is_file():
                raise corpus_error(CORPUS, part_dir.parent.parent, f"{flac} is missing")
            rows.append((utt, speaker, words.strip(), flac))
    return sorted(rows)


def _corpus_dir(root: Path) -> Path:
    for candidate in (root / "LibriSpeech", root):
        if any((candidate / part).is_dir() for part in TRAIN_PARTS + EVAL_PARTS):
            return candidate
    raise corpus_error(CORPUS, root, "no LibriSpeech/<part>/ directory found")


def read_librispeech(root: Path, sph_reader: str = "sox") -> List[DataSet]:
    """``ls_train`` (the three training parts, 960 h) and ``ls_{dev,test}_{clean,other}``.

    Every standard part must be present: a partial download is an error naming the missing parts.
    """
    corpus_dir = _corpus_dir(root)
    missing = [p for p in TRAIN_PARTS + EVAL_PARTS if not (corpus_dir / p).is_dir()]
    if missing:
        raise corpus_error(
            CORPUS, root, f"missing parts {', '.join(missing)} in {corpus_dir}"
        )
    groups: Dict[str, Tuple[str, Tuple[str, ...]]] = {
        f"{PREFIX}_train": ("train", TRAIN_PARTS),
        **{
            f"{PREFIX}_{p.replace('-', '_')}": (
                "dev" if p.startswith("dev") else "test",
                (p,),
            )
            for p in EVAL_PARTS
        },
    }
    datasets = []
    for name, (split, parts) in groups.items():
        dataset = DataSet(name, PREFIX, split)
        for part in parts:
            for utt, speaker, words, flac in read_librispeech_part(corpus_dir / part):
                text = normalize(CORPUS, words)
                if not text:
                    continue
                utt_id = f"{PREFIX}-{utt}"
                dataset.recordings[utt_id] = str(flac.resolve())
                dataset.add(Utterance(utt_id, f"{PREFIX}-{speaker}", utt_id, text))
        datasets.append(dataset)
    return datasets
