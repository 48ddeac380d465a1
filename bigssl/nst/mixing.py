"""Labeled:pseudo-labeled mixing inside every NST training batch.

The NST student trains on one data dir holding both the labeled and the teacher-labeled (pseudo)
utterances; ``utt2group`` beside its first data file says which is which (``<utt> labeled`` or
``<utt> pseudo``), the way ESPnet reads ``utt2category``. :class:`MixedBatchSampler` builds batches
of ``--batch_size`` utterances of which ``round(ratio * batch_size)`` (at least 1) are labeled:

* one pass = every pseudo utterance exactly once, in a seeded permutation, split as evenly as
  possible into ``ceil(P / pseudo_per_batch)`` batches (so no batch is larger than ``batch_size``;
  a few may hold one pseudo utterance fewer);
* the labeled utterances are drawn cyclically from successive seeded permutations, so the small
  labeled set repeats; no utterance appears twice in a batch;
* the batch list holds as many passes (each with its own pseudo permutation) as it takes for
  every labeled utterance to appear at least once: with few pseudo-labels per labeled one (1200
  labeled, 3840 pseudo, 1:9) a single pass would only ever show 427 of the labeled utterances;
* each batch is sorted by length, longest first (the first shape file, i.e. ``speech_shape``).

Like every ESPnet sampler the batch list is fixed once (given the seed); ESPnet's
``SequenceIterFactory`` shuffles the batch order every epoch and ``--num_iters_per_epoch`` slices
the stream. :func:`swap_batch_sampler` lets ``BigSSLASRTask.build_sequence_iter_factory`` reuse
ESPnet's whole iterator construction (DDP sharding, dataset, collate) with this sampler.
"""
from __future__ import annotations

import collections
import contextlib
import logging
import math
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Sequence, Tuple

import numpy as np
from espnet2.fileio.read_text import load_num_sequence_text
from espnet2.samplers.abs_sampler import AbsSampler

logger = logging.getLogger(__name__)

GROUPS = ("labeled", "pseudo")
UTT2GROUP = "utt2group"


def read_utt2group(path: Path | str) -> Dict[str, str]:
    """``utt group`` lines -> dict; a clear error naming the file for any bad line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: missing; NST mixing (--nst_mix_ratio > 0) needs one '<utt> labeled|pseudo' line per utterance")
    groups: Dict[str, str] = {}
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or fields[1] not in GROUPS:
                raise ValueError(f"{path}:{lineno}: expected '<utt> labeled' or '<utt> pseudo', got {line.rstrip()!r}")
            if fields[0] in groups:
                raise ValueError(f"{path}:{lineno}: utterance {fields[0]} listed twice")
            groups[fields[0]] = fields[1]
    return groups


def batch_counts(batch_size: int, labeled_ratio: float) -> Tuple[int, int]:
    """(labeled, pseudo) utterances per full batch."""
    if not 0.0 < labeled_ratio < 1.0:
        raise ValueError(f"the labeled fraction of a batch must be in (0, 1): {labeled_ratio}")
    labeled = max(1, round(labeled_ratio * batch_size))
    if batch_size - labeled < 1:
        raise ValueError(
            f"batch_size {batch_size} with labeled fraction {labeled_ratio} leaves no room for pseudo-labeled utterances")
    return labeled, batch_size - labeled


class MixedBatchSampler(AbsSampler):
    """Fixed-size batches with a fixed labeled:pseudo composition (see the module docstring)."""

    def __init__(self, batch_size: int, shape_file: str, utt2group_file: str, labeled_ratio: float,
                 seed: int = 0) -> None:
        self.batch_size = batch_size
        self.shape_file = shape_file
        self.utt2group_file = utt2group_file
        self.labeled_ratio = labeled_ratio
        self.seed = seed
        self.num_labeled, self.num_pseudo = batch_counts(batch_size, labeled_ratio)

        lengths = {k: v[0] for k, v in load_num_sequence_text(shape_file, loader_type="csv_int").items()}
        groups = read_utt2group(utt2group_file)
        unknown = sorted(set(groups) - set(lengths))
        if unknown:
            raise ValueError(f"{utt2group_file}: {len(unknown)} utterance(s) not in the training data ({shape_file}), "
                             f"e.g. {unknown[:3]}")
        ungrouped = sorted(set(lengths) - set(groups))
        if ungrouped:
            raise ValueError(
                f"{utt2group_file}: no group for {len(ungrouped)} training utterance(s), e.g. {ungrouped[:3]}")
        by_group = {g: sorted(u for u, gg in groups.items() if gg == g) for g in GROUPS}
        for group, utts in by_group.items():
            if not utts:
                raise ValueError(f"{utt2group_file}: no '{group}' utterances; mixing needs both groups")
        if len(by_group["labeled"]) < self.num_labeled:
            raise ValueError(f"{utt2group_file}: {len(by_group['labeled'])} labeled utterance(s), fewer than the "
                             f"{self.num_labeled} each batch needs")
        self.batch_list = self._make_batches(by_group["labeled"], by_group["pseudo"], lengths)
        self._log_composition(groups)

    def _make_batches(self, labeled: List[str], pseudo: List[str], lengths: Dict[str, int]) -> List[Tuple[str, ...]]:
        rng = np.random.RandomState(self.seed)
        num_batches = math.ceil(len(pseudo) / self.num_pseudo)
        passes = max(1, math.ceil(len(labeled) / (self.num_labeled * num_batches)))
        bounds = [i * len(pseudo) // num_batches for i in range(num_batches + 1)]
        queue: collections.deque = collections.deque()
        batches = []
        for b in range(num_batches * passes):
            if b % num_batches == 0:
                order = [pseudo[i] for i in rng.permutation(len(pseudo))]
            chosen: List[str] = []
            deferred: List[str] = []
            while len(chosen) < self.num_labeled:
                if not queue:
                    queue.extend(labeled[i] for i in rng.permutation(len(labeled)))
                utt = queue.popleft()
                (deferred if utt in chosen else chosen).append(utt)
            queue.extendleft(reversed(deferred))  # an utterance met twice goes first into the next batch
            batch = chosen + order[bounds[b % num_batches]:bounds[b % num_batches + 1]]
            batches.append(tuple(sorted(batch, key=lambda u: (-lengths[u], u))))
        return batches

    def _log_composition(self, groups: Dict[str, str]) -> None:
        labeled = [sum(groups[u] == "labeled" for u in batch) for batch in self.batch_list]
        sizes = [len(batch) for batch in self.batch_list]
        uses = collections.Counter(u for batch in self.batch_list for u in batch if groups[u] == "labeled")
        logger.info(
            "NST mixing (%s): %d batches of %d-%d utterances, labeled per batch %d-%d, labeled fraction %.3f "
            "(target %.3f); %d pseudo utterances %d time(s) each, %d of %d labeled utterances used %.1f times each on average",
            self.utt2group_file, len(sizes), min(sizes), max(sizes), min(labeled), max(labeled),
            sum(labeled) / sum(sizes), self.labeled_ratio, sum(1 for g in groups.values() if g == "pseudo"),
            (sum(sizes) - sum(labeled)) // max(1, sum(1 for g in groups.values() if g == "pseudo")),
            len(uses), sum(1 for g in groups.values() if g == "labeled"), sum(labeled) / max(1, len(uses)),
        )

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(N-batch={len(self)}, batch_size={self.batch_size}, "
                f"labeled={self.num_labeled}, pseudo={self.num_pseudo}, shape_file={self.shape_file}, "
                f"utt2group_file={self.utt2group_file}, seed={self.seed})")

    def __len__(self) -> int:
        return len(self.batch_list)

    def __iter__(self) -> Iterator[Tuple[str, ...]]:
        return iter(self.batch_list)


def mixed_sampler_builder(utt2group_file: Path | str, labeled_ratio: float,
                          seed: int) -> Callable[..., MixedBatchSampler]:
    """A stand-in for ``espnet2.samplers.build_batch_sampler.build_batch_sampler`` returning our sampler."""

    def build(type: str, batch_size: int, shape_files: Sequence[str], **_: object) -> MixedBatchSampler:
        if type not in ("unsorted", "sorted"):
            logger.warning("NST mixing makes batches of --batch_size=%d utterances; --batch_type %s is ignored",
                           batch_size, type)
        return MixedBatchSampler(batch_size, str(shape_files[0]), str(utt2group_file), labeled_ratio, seed)

    return build


@contextlib.contextmanager
def swap_batch_sampler(builder: Callable[..., AbsSampler]) -> Iterator[None]:
    """Make ``AbsTask.build_sequence_iter_factory`` build its sampler with ``builder`` meanwhile.

    ESPnet's method calls the module-level ``build_batch_sampler`` of ``espnet2.tasks.abs_task`` and
    has no other hook for the sampler; swapping that one name keeps the rest of ESPnet's code path
    (batch logging, DDP sharding by rank, dataset and ``SequenceIterFactory``) unchanged.
    """
    from espnet2.tasks import abs_task

    original = abs_task.build_batch_sampler
    abs_task.build_batch_sampler = builder
    try:
        yield
    finally:
        abs_task.build_batch_sampler = original
