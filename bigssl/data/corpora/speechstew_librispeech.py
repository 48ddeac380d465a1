"""SpeechStew's LibriSpeech part: ``LibriSpeech/<part>/<speaker>/<chapter>/<speaker>-<chapter>.trans.txt``
and ``<speaker>-<chapter>-<nnnn>.flac`` (16 kHz mono FLAC, used as it is).

:func:`read_librispeech_part` adapts the librispeech recipe's reader
(:mod:`bigssl.data.corpora.librispeech`) to this recipe's rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from bigssl.data.corpora import librispeech
from bigssl.data.corpora.common import Problems
from bigssl.data.corpora.speechstew import DataSet, Utterance, corpus_error, normalize

CORPUS = "librispeech"
PREFIX = "ls"
TRAIN_PARTS = ("train-clean-100", "train-clean-360", "train-other-500")
EVAL_PARTS = ("dev-clean", "dev-other", "test-clean", "test-other")


def read_librispeech_part(part_dir: Path) -> List[Tuple[str, str, str, Path]]:
    """(utterance id, speaker, transcript as written, FLAC path) of one part, sorted by id.

    The librispeech recipe's reader (:mod:`bigssl.data.corpora.librispeech`) does the parsing; any
    problem it finds (a malformed line, a missing FLAC) is a CorpusError here. SpeechStew's speaker
    is the LibriSpeech reader (``<spk>``), not Kaldi's ``<spk>-<chapter>``.
    """
    if not any(part_dir.glob("*/*/*.trans.txt")):
        raise corpus_error(
            CORPUS, part_dir.parent.parent, f"{part_dir} has no */*/*.trans.txt"
        )
    problems = Problems("")
    utterances = librispeech.read_librispeech_part(part_dir, problems)
    if problems.found:
        raise corpus_error(
            CORPUS, part_dir.parent.parent, "; ".join(problems.found[:5])
        )
    return sorted(
        (u.utt_id, u.speaker.split("-")[0], u.text, Path(u.audio)) for u in utterances
    )


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
