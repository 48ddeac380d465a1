"""Nested labeled fractions for low-label studies: one seeded permutation of a labeled pool cut at
each fraction, so the labeled set of a smaller fraction is part of every larger one (same seed).

A fraction's rest is written audio only, its transcripts kept aside as a reference file (never read
by training). :func:`split_labeled_pool` re-splits a labeled + unlabeled pool (the mini recipe's
claims study); :func:`write_nested_subsets` cuts several fractions of one labeled dir (the
bring-your-own-data study) and writes each one's NST pool reference.
"""

from __future__ import annotations

import logging
import random
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from bigssl.data.corpora.common import CorpusError
from bigssl.data.kaldi_dir import SET_NAME, DataDir, load_data_dir
from bigssl.io_utils import PathLike, examples, read_kv, write_kv

logger = logging.getLogger(__name__)


def seeded_order(pool: DataDir, seed: int) -> List[str]:
    """The pool's utterances in one seeded random order (cut at every fraction)."""
    order = pool.utt_ids
    random.Random(seed).shuffle(order)
    return order


def cut_fraction(
    pool: DataDir,
    order: Sequence[str],
    fraction: float,
    out_labeled: PathLike,
    out_rest: PathLike,
    out_reference: PathLike,
) -> Tuple[List[str], List[str]]:
    """Write the first ``fraction`` of ``order`` (at least one utterance, rounded half up) labeled to
    ``out_labeled``, the rest audio only to ``out_rest`` and its transcripts to ``out_reference``
    (both removed when nothing is left); returns ``(labeled, rest)`` utterance ids."""
    count = max(1, int(Decimal(repr(fraction)) * len(order) + Decimal("0.5")))
    chosen, rest = list(order[:count]), list(order[count:])
    pool.subset(chosen).save(out_labeled)
    if rest:
        remainder = pool.subset(rest)
        remainder.save(out_rest, write_text=False)
        write_kv(out_reference, remainder.text.items())
    else:
        shutil.rmtree(out_rest, ignore_errors=True)
        Path(out_reference).unlink(missing_ok=True)
    return chosen, rest


def split_labeled_pool(
    labeled: PathLike,
    unlabeled: PathLike,
    unlabeled_reference: PathLike,
    fraction: float,
    out_labeled: PathLike,
    out_unlabeled: PathLike,
    out_reference: PathLike,
    seed: int = 1,
) -> Dict[str, int]:
    """Re-split a pool (a labeled dir + an unlabeled dir with its reference transcripts kept aside)
    into ``fraction`` labeled and the rest unlabeled (:func:`cut_fraction`), for low-label
    experiments; the unlabeled output's transcripts go to ``out_reference`` only.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    first = load_data_dir(labeled, require_text=True)
    second = load_data_dir(unlabeled)
    reference = read_kv(unlabeled_reference)
    missing = sorted(set(second.wav_scp) - set(reference))
    if missing:
        raise ValueError(
            f"{unlabeled_reference}: no transcript for {examples(missing, 'utterances')} of {unlabeled}"
        )
    clash = sorted(set(first.wav_scp) & set(second.wav_scp))
    if clash:
        raise ValueError(
            f"{examples(clash, 'utterances')} are in both {labeled} and {unlabeled}"
        )
    pool = DataDir(
        wav_scp={**first.wav_scp, **second.wav_scp},
        utt2spk={**first.utt2spk, **second.utt2spk},
        text={**first.text, **{u: reference[u] for u in second.wav_scp}},
    )
    order = seeded_order(pool, seed)
    chosen, rest = cut_fraction(
        pool, order, fraction, out_labeled, out_unlabeled, out_reference
    )
    logger.info(
        "%s: %d of %d pool utterances labeled (%.0f%%), %d unlabeled -> %s",
        out_labeled,
        len(chosen),
        len(order),
        100.0 * fraction,
        len(rest),
        out_unlabeled,
    )
    return {"labeled": len(chosen), "unlabeled": len(rest)}


def _percentages(fractions: Sequence[str]) -> Dict[str, float]:
    """``label -> fraction`` of percentages as written (``"10"``); bad or repeated ones are errors."""
    values: Dict[str, float] = {}
    for label in fractions:
        try:
            value = float(label)
        except ValueError:
            value = float("nan")
        if not 0 < value <= 100 or not SET_NAME.match(label):
            raise CorpusError(f"fraction '{label}' must be a percentage in (0, 100]")
        if label in values:
            raise CorpusError(f"fraction '{label}' is given twice")
        values[label] = value / 100
    return values


def _unlabeled_pool(
    out_dir: Path, pool_dirs: Sequence[PathLike]
) -> Tuple[Set[str], Dict[str, str]]:
    """The utterances of ``pool_dirs`` and the reference transcripts kept aside for them."""
    utts: Set[str] = set()
    text: Dict[str, str] = {}
    for pool in map(Path, pool_dirs):
        utts |= set(read_kv(pool / "utt2spk"))
        reference = out_dir / "local" / f"{pool.name}_reference" / "text"
        if reference.is_file():
            text.update(read_kv(reference))
    return utts, text


def write_nested_subsets(
    source: PathLike,
    out_dir: PathLike,
    fractions: Sequence[str],
    seed: int = 1,
    pool_dirs: Sequence[PathLike] = (),
    name: Optional[str] = None,
) -> Dict[str, Dict[str, int]]:
    """Labeled fractions of the data dir ``source`` for the data-efficiency study.

    Each fraction ``f`` (percent, as written, e.g. ``"10"``) is cut by :func:`cut_fraction` from one
    seeded order: ``out_dir/<name>_p<f>`` (labeled; ``name`` defaults to the source's dir name) and
    ``<name>_p<f>_rest`` (its transcripts in ``local/<name>_p<f>_rest_reference/text``). A
    fraction's NST pool is its rest plus the unlabeled ``pool_dirs``; when transcripts cover all of
    it (the rest's, and each pool dir's ``out_dir/local/<pool name>_reference/text``) they go to
    ``local/<name>_p<f>_nst_reference/text``, else that file is removed. Cut from a validated
    (dumped) copy, the subsets need no new dump.
    """
    source, out_dir = Path(source), Path(out_dir)
    name = name or source.name
    values = _percentages(fractions)
    for needed in ("wav.scp", "utt2spk", "text"):
        if not (source / needed).is_file():
            raise CorpusError(
                f"{source}: no {needed}; fractions are cut from a labeled data dir"
            )
    src = load_data_dir(source)
    order = seeded_order(src, seed)
    pool_utts, pool_text = _unlabeled_pool(out_dir, pool_dirs)
    counts = {}
    for label, value in values.items():
        subset = f"{name}_p{label}"
        chosen, rest = cut_fraction(
            src,
            order,
            value,
            out_dir / subset,
            out_dir / f"{subset}_rest",
            out_dir / "local" / f"{subset}_rest_reference" / "text",
        )
        pool = set(rest) | pool_utts
        known = {**{u: src.text[u] for u in rest}, **pool_text}
        nst_reference = out_dir / "local" / f"{subset}_nst_reference" / "text"
        if pool and pool <= set(known):
            write_kv(nst_reference, ((u, known[u]) for u in pool))
        else:
            nst_reference.unlink(missing_ok=True)
        counts[subset] = {"labeled": len(chosen), "rest": len(rest), "pool": len(pool)}
        logger.info(
            "%s: %d of %d utterances of %s (%s %%); NST pool %d (rest %d + %d unlabeled)%s",
            out_dir / subset,
            len(chosen),
            len(order),
            source,
            label,
            len(pool),
            len(rest),
            len(pool_utts),
            "" if nst_reference.is_file() else ", no complete reference transcripts",
        )
    return counts
