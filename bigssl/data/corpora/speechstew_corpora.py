"""SpeechStew's corpora registry and :func:`prepare_speechstew`: every reader of
``speechstew_<corpus>.py`` by its corpus option, on top of them (they share
:mod:`bigssl.data.corpora.speechstew`, underneath; see its docstring for the text convention).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional

from bigssl.data.corpora.common import CorpusError
from bigssl.data.corpora.speechstew import (
    DataSet,
    combine,
    corpus_error,
    default_sph_reader,
    parse_weights,
    write_data_dir,
)
from bigssl.data.corpora.speechstew_ami import read_ami
from bigssl.data.corpora.speechstew_bn import read_bn
from bigssl.data.corpora.speechstew_commonvoice import read_commonvoice
from bigssl.data.corpora.speechstew_librispeech import read_librispeech
from bigssl.data.corpora.speechstew_swbd import read_eval2000, read_fisher, read_swbd
from bigssl.data.corpora.speechstew_tedlium import read_tedlium3
from bigssl.data.corpora.speechstew_wsj import read_wsj
from bigssl.io_utils import PathLike, write_kv, write_text_atomic

logger = logging.getLogger(__name__)

# corpus option -> its reader: ``read(root, sph_reader=..., **options) -> List[DataSet]``
READERS: Dict[str, Callable[..., List[DataSet]]] = {
    "ami": read_ami,
    "bn": read_bn,
    "commonvoice": read_commonvoice,
    "librispeech": read_librispeech,
    "swbd": read_swbd,
    "fisher": read_fisher,
    "eval2000": read_eval2000,
    "tedlium3": read_tedlium3,
    "wsj": read_wsj,
}

TRAIN_SET = "train_speechstew"
VALID_SET = "dev_speechstew"
TEST_SETS_FILE = (
    "speechstew_test_sets"  # in the data root: the per-corpus scoring sets, one line
)


def read_corpora(
    roots: Mapping[str, Optional[PathLike]],
    sph_reader: str,
    options: Mapping[str, Mapping[str, object]],
) -> List[DataSet]:
    """The data sets of every corpus whose root is given (in :data:`READERS` order)."""
    datasets: List[DataSet] = []
    for corpus in READERS:
        root = roots.get(corpus)
        if not root:
            logger.info("%s: no --%s_root given; skipped", corpus, corpus)
            continue
        if not Path(root).is_dir():
            raise corpus_error(corpus, root, "the directory does not exist")
        sets = READERS[corpus](
            Path(root), sph_reader=sph_reader, **options.get(corpus, {})
        )
        for dataset in sets:
            logger.info(
                "%s: %s: %d utterances%s",
                corpus,
                dataset.name,
                len(dataset.utterances),
                (
                    f" ({dataset.duplicates} duplicate annotations kept once)"
                    if dataset.duplicates
                    else ""
                ),
            )
        datasets.extend(sets)
    return datasets


def prepare_speechstew(
    roots: Mapping[str, Optional[PathLike]],
    data_root: PathLike,
    weights: str = "",
    sph_reader: str = "",
    options: Optional[Mapping[str, Mapping[str, object]]] = None,
    seed: int = 0,
) -> Dict[str, DataSet]:
    """Read every corpus whose root is given, write its sets and the combined ones; return them all.

    ``roots``: corpus -> root (empty or None: skipped, logged). ``weights``: ``corpus=w,...`` over the
    training sets' corpus names (e.g. ``ami_ihm``, ``ls``). ``options``: extra keyword arguments per
    reader (e.g. ``{"tedlium3": {"release_split": "speaker-adaptation"}}``). Every root is checked
    before anything is written, so a mistake in the last one costs no time.
    """
    unknown = sorted(set(roots) - set(READERS))
    if unknown:
        raise ValueError(f"unknown corpora {unknown}; known: {sorted(READERS)}")
    datasets = read_corpora(roots, sph_reader or default_sph_reader(), options or {})
    if not datasets:
        raise CorpusError(
            "no corpus root given: SpeechStew needs at least one --<corpus>_root"
        )
    train = [d for d in datasets if d.split == "train"]
    dev = [d for d in datasets if d.split == "dev"]
    tests = [d for d in datasets if d.split != "train"]
    if not train:
        raise CorpusError("none of the given corpora has a training set")
    if not dev:
        raise CorpusError(
            "none of the given corpora has a dev set (AMI, Common Voice, LibriSpeech, TED-LIUM 3 and "
            "WSJ do); the combined validation set is made of them"
        )
    corpus_weights = parse_weights(weights, (d.corpus for d in train))
    combined_train = combine(
        TRAIN_SET, [(d, corpus_weights[d.corpus]) for d in train], seed
    )
    if not combined_train.utterances:
        raise ValueError("--weights leave no training utterance")
    combined_dev = combine(VALID_SET, [(d, 1.0) for d in dev], split="dev")
    data_root = Path(data_root)
    for dataset in [*datasets, combined_train, combined_dev]:
        write_data_dir(dataset, data_root)
    write_kv(
        data_root / TRAIN_SET / "utt2corpus",
        (
            (u.utt, u.utt.split("-", 1)[0]) for u in combined_train.utterances
        ),  # the id prefix
    )
    write_text_atomic(
        data_root / TEST_SETS_FILE, " ".join(d.name for d in tests) + "\n"
    )
    summary = ", ".join(f"{d.corpus}={corpus_weights[d.corpus]:g}" for d in train)
    logger.info(
        "%s: %d utterances (weights %s); %s: %d; test sets: %s",
        TRAIN_SET,
        len(combined_train.utterances),
        summary,
        VALID_SET,
        len(combined_dev.utterances),
        " ".join(d.name for d in tests),
    )
    return {d.name: d for d in [*datasets, combined_train, combined_dev]}
