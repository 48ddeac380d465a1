"""Labeled:pseudo-labeled mixing inside every NST training batch.

The NST student trains on one data dir holding both the labeled and the teacher-labeled (pseudo)
utterances; ``utt2group`` beside its first data file says which is which (``<utt> labeled`` or
``<utt> pseudo``), the way ESPnet reads ``utt2category``. :class:`MixedBatchSampler` builds batches
of ``--batch_size`` utterances of which ``round(ratio * batch_size)`` (at least 1) are labeled:

* one pass = every pseudo utterance exactly once, split as evenly as possible into
  ``ceil(P / pseudo_per_batch)`` batches (so no batch is larger than ``batch_size``; a few may hold
  one pseudo utterance fewer); the passes follow each other in the batch list;
* the batch list holds as many passes as it takes for every labeled utterance to appear at least
  once: with few pseudo-labels per labeled one (1200 labeled, 3840 pseudo, 1:9) a single pass
  would only ever show 427 of the labeled utterances;
* the labeled utterances are used evenly over the whole list (use counts differ by at most one);
  no utterance appears twice in a batch;
* each batch is sorted by length, longest first (the first shape file, i.e. ``speech_shape``);
  under DDP each rank's share of it is (see DDP below).

Layout (``bucketed``, the default): batches are length-homogeneous, since a batch costs
``batch_size x longest utterance``. Each pass sorts the pseudo utterances by length times a seeded
random factor in ``[1 - length_jitter, 1 + length_jitter]`` (so the passes differ) and cuts the
sorted list into consecutive batches. The labeled slots of all batches, taken in the order of the
batches' mean pseudo length, are filled from the labeled utterances sorted by (jittered) length,
each repeated as often as even use allows (the extra uses go to a seeded random subset): batch ``i``
gets the shortest labeled utterances not yet used up, except that one whose remaining uses equal
the number of batches left is taken at once (that keeps every batch free of duplicates). Finally
the batch order inside each pass is shuffled with the seed. ``bucketed=False`` restores the random
layout: each pass a seeded permutation of the pseudo utterances, labeled utterances drawn cyclically
from successive seeded permutations. :func:`padding_factor` (padded / real length) of the mini
corpus setup (1-5 s utterances, 1200 labeled + 3840 pseudo, batch 10, 1:9): random 1.55, bucketed
1.08 (jitter 0.1), 1.005 (jitter 0); see ``bench/bench_mixing.py``.

Like every ESPnet sampler the batch list is fixed once (given the seed); ESPnet's
``SequenceIterFactory`` shuffles the batch order every epoch and ``--num_iters_per_epoch`` slices
the stream. :func:`mixed_sampler_builder` stands in for ESPnet's ``build_batch_sampler`` so that
``BigSSLASRTask.build_sequence_iter_factory`` reuses ESPnet's whole iterator construction (DDP
sharding, dataset, collate) with this sampler.

DDP. ESPnet's batches are global: under DDP every rank takes ``batch[rank::world_size]`` of each
batch (``AbsTask.build_sequence_iter_factory``) and DDP averages the gradients, weighted by the
ranks' utterance counts, so the labeled:pseudo ratio of every optimizer step is the batch's. With
``world_size > 1`` each batch is also ordered (:func:`order_for_ranks`) so that this split deals
both groups evenly: every rank gets ``floor`` or ``ceil`` of ``labeled / world_size`` labeled and
of ``pseudo / world_size`` pseudo utterances (their counts differ by at most one across ranks),
each share sorted longest first; every batch needs at least ``world_size`` utterances.

The sampler is part of the ASR task (``--nst_mix_ratio``); :mod:`bigssl.nst.student_data` writes
the file it reads (:data:`UTT2GROUP`).
"""

from __future__ import annotations

import collections
import logging
import math
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Sequence, Tuple

import numpy as np
from espnet2.fileio.read_text import load_num_sequence_text
from espnet2.samplers.abs_sampler import AbsSampler

from bigssl.io_utils import check_same_ids, read_kv

logger = logging.getLogger(__name__)

GROUPS = ("labeled", "pseudo")
# The file beside the student's first training data file (written by bigssl.nst.student_data).
UTT2GROUP = "utt2group"  # <utt> labeled|pseudo


def read_utt2group(path: Path | str) -> Dict[str, str]:
    """``utt group`` lines -> dict; a clear error naming the file for any bad line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: missing; NST mixing (--nst_mix_ratio > 0) needs one '<utt> labeled|pseudo' line per utterance"
        )
    groups = read_kv(path, one_token=True)
    for utt, group in groups.items():
        if group not in GROUPS:
            raise ValueError(
                f"{path}: utterance {utt}: expected group 'labeled' or 'pseudo', got {group!r}"
            )
    return groups


def batch_counts(batch_size: int, labeled_ratio: float) -> Tuple[int, int]:
    """(labeled, pseudo) utterances per full batch."""
    if not 0.0 < labeled_ratio < 1.0:
        raise ValueError(
            f"the labeled fraction of a batch must be in (0, 1): {labeled_ratio}"
        )
    labeled = max(1, round(labeled_ratio * batch_size))
    if batch_size - labeled < 1:
        raise ValueError(
            f"batch_size {batch_size} with labeled fraction {labeled_ratio} leaves no room for pseudo-labeled utterances"
        )
    return labeled, batch_size - labeled


def order_for_ranks(
    batch: Sequence[str],
    groups: Dict[str, str],
    lengths: Dict[str, int],
    world_size: int,
) -> Tuple[str, ...]:
    """``batch`` reordered so that ``batch[rank::world_size]`` is rank ``rank``'s share under DDP.

    The labeled utterances (longest first), then the pseudo ones, are dealt round-robin to the
    ranks: each group is split as evenly as the counts allow, and the shares' sizes are exactly
    those of ESPnet's ``batch[rank::world_size]`` slices. Each share is sorted longest first.
    """
    if world_size < 1 or len(batch) < world_size:
        raise ValueError(
            f"a batch of {len(batch)} utterance(s) cannot be split over {world_size} DDP ranks "
            "(raise --batch_size to at least the number of processes)"
        )
    by_length = sorted(batch, key=lambda u: (-lengths[u], u))
    dealt = [u for u in by_length if groups[u] == "labeled"] + [
        u for u in by_length if groups[u] != "labeled"
    ]
    shares: List[List[str]] = [dealt[r::world_size] for r in range(world_size)]
    for share in shares:
        share.sort(key=lambda u: (-lengths[u], u))
    return tuple(shares[j % world_size][j // world_size] for j in range(len(batch)))


def padding_factor(batches: Sequence[Sequence[str]], lengths: Dict[str, int]) -> float:
    """Padded over real length: ``sum_b len(b) * max length in b / sum of all lengths`` (1 = no padding)."""
    padded = sum(len(b) * max(lengths[u] for u in b) for b in batches if b)
    return padded / max(1, sum(lengths[u] for b in batches for u in b))


class MixedBatchSampler(AbsSampler):
    """Fixed-size batches with a fixed labeled:pseudo composition (see the module docstring)."""

    def __init__(
        self,
        batch_size: int,
        shape_file: str,
        utt2group_file: str,
        labeled_ratio: float,
        seed: int = 0,
        bucketed: bool = True,
        length_jitter: float = 0.1,
        world_size: int = 1,
    ) -> None:
        if not 0.0 <= length_jitter < 1.0:
            raise ValueError(f"length_jitter must be in [0, 1): {length_jitter}")
        self.batch_size = batch_size
        self.shape_file = shape_file
        self.utt2group_file = utt2group_file
        self.labeled_ratio = labeled_ratio
        self.seed = seed
        self.bucketed = bucketed
        self.length_jitter = length_jitter
        self.world_size = world_size
        self.num_labeled, self.num_pseudo = batch_counts(batch_size, labeled_ratio)

        lengths = {
            k: v[0]
            for k, v in load_num_sequence_text(
                shape_file, loader_type="csv_int"
            ).items()
        }
        groups = read_utt2group(utt2group_file)
        check_same_ids(groups, lengths, utt2group_file, shape_file)
        by_group = {g: sorted(u for u, gg in groups.items() if gg == g) for g in GROUPS}
        for group, utts in by_group.items():
            if not utts:
                raise ValueError(
                    f"{utt2group_file}: no '{group}' utterances; mixing needs both groups"
                )
        if len(by_group["labeled"]) < self.num_labeled:
            raise ValueError(
                f"{utt2group_file}: {len(by_group['labeled'])} labeled utterance(s), fewer than the "
                f"{self.num_labeled} each batch needs"
            )
        if self.bucketed:
            self.batch_list = self._bucketed_batches(
                by_group["labeled"], by_group["pseudo"], lengths
            )
        else:
            self.batch_list = self._make_batches(
                by_group["labeled"], by_group["pseudo"], lengths
            )
        if world_size > 1:  # DDP: ESPnet gives rank r batch[r::world_size]
            self.batch_list = [
                order_for_ranks(batch, groups, lengths, world_size)
                for batch in self.batch_list
            ]
        self._log_composition(groups, len(by_group["pseudo"]), lengths)

    def _pass_counts(self, num_labeled: int, num_pseudo: int) -> Tuple[int, int]:
        """(batches per pass, passes): enough passes for every labeled utterance to appear."""
        num_batches = math.ceil(num_pseudo / self.num_pseudo)
        passes = max(1, math.ceil(num_labeled / (self.num_labeled * num_batches)))
        return num_batches, passes

    def _bucketed_batches(
        self, labeled: List[str], pseudo: List[str], lengths: Dict[str, int]
    ) -> List[Tuple[str, ...]]:
        """Length-homogeneous batches (see the module docstring)."""
        rng = np.random.RandomState(self.seed)
        num_batches, passes = self._pass_counts(len(labeled), len(pseudo))
        bounds = [i * len(pseudo) // num_batches for i in range(num_batches + 1)]
        pseudo_len = np.asarray([lengths[u] for u in pseudo], dtype=np.float64)
        chunks: List[List[str]] = []  # pseudo part of every batch, pass after pass
        means: List[float] = []
        for _ in range(passes):
            order = np.argsort(self._jittered(pseudo_len, rng), kind="stable")
            entries = [pseudo[i] for i in order]
            for b in range(num_batches):
                chunks.append(entries[bounds[b] : bounds[b + 1]])
                means.append(float(pseudo_len[order[bounds[b] : bounds[b + 1]]].mean()))
        by_length = np.argsort(np.asarray(means), kind="stable")
        labeled_parts = self._deal_labeled(labeled, lengths, len(chunks), rng)
        batches: List[Tuple[str, ...]] = [()] * len(chunks)
        for part, b in zip(labeled_parts, by_length):
            batches[b] = tuple(sorted(part + chunks[b], key=lambda u: (-lengths[u], u)))
        shuffled: List[Tuple[str, ...]] = []
        for p in range(passes):  # passes stay in sequence, batches within are shuffled
            shuffled.extend(
                batches[p * num_batches + i] for i in rng.permutation(num_batches)
            )
        return shuffled

    def _jittered(self, values: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        """``values`` times a seeded random factor in ``[1 - length_jitter, 1 + length_jitter]``."""
        return values * (1.0 + self.length_jitter * rng.uniform(-1.0, 1.0, len(values)))

    def _deal_labeled(
        self,
        labeled: List[str],
        lengths: Dict[str, int],
        num_batches: int,
        rng: np.random.RandomState,
    ) -> List[List[str]]:
        """``num_batches`` sets of ``num_labeled`` distinct labeled utterances, short to long; even use.

        Every utterance gets ``slots // L`` uses, a seeded random ``slots % L`` of them one more.
        Batch after batch takes the shortest utterances with uses left, but first any whose uses
        left equal the batches left: they must go into every remaining batch (this never fails, as
        no count exceeds the batches left and the counts sum to ``num_labeled`` x batches left).
        """
        k = self.num_labeled
        slots = num_batches * k
        counts = np.full(len(labeled), slots // len(labeled), dtype=np.int64)
        counts[rng.permutation(len(labeled))[: slots % len(labeled)]] += 1
        key = self._jittered(
            np.asarray([lengths[u] for u in labeled], dtype=np.float64), rng
        )
        rank = np.argsort(key, kind="stable")  # rank -> index into labeled
        counts = counts[rank]
        top = int(counts.max())
        lo = 0
        parts: List[List[str]] = []
        for b in range(num_batches):
            left = num_batches - b
            chosen: List[int] = (
                np.flatnonzero(counts == left).tolist() if left <= top else []
            )
            j = lo
            while len(chosen) < k:
                if counts[j] > 0 and j not in chosen:
                    chosen.append(j)
                j += 1
            counts[chosen] -= 1
            while lo < len(counts) and counts[lo] == 0:
                lo += 1
            parts.append([labeled[rank[j]] for j in chosen])
        return parts

    def _make_batches(
        self, labeled: List[str], pseudo: List[str], lengths: Dict[str, int]
    ) -> List[Tuple[str, ...]]:
        """The random layout (see the module docstring)."""
        rng = np.random.RandomState(self.seed)
        num_batches, passes = self._pass_counts(len(labeled), len(pseudo))
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
            queue.extendleft(
                reversed(deferred)
            )  # an utterance met twice goes first into the next batch
            batch = (
                chosen + order[bounds[b % num_batches] : bounds[b % num_batches + 1]]
            )
            batches.append(tuple(sorted(batch, key=lambda u: (-lengths[u], u))))
        return batches

    def _log_composition(
        self, groups: Dict[str, str], num_pseudo_utts: int, lengths: Dict[str, int]
    ) -> None:
        labeled = [
            sum(groups[u] == "labeled" for u in batch) for batch in self.batch_list
        ]
        sizes = [len(batch) for batch in self.batch_list]
        uses = collections.Counter(
            u for batch in self.batch_list for u in batch if groups[u] == "labeled"
        )
        logger.info(
            "NST mixing (%s): %d batches of %d-%d utterances, labeled per batch %d-%d, labeled fraction %.3f "
            "(target %.3f); %d pseudo utterances %d time(s) each, %d of %d labeled utterances used %.1f times each on average; "
            "%s layout, padding factor %.3f",
            self.utt2group_file,
            len(sizes),
            min(sizes),
            max(sizes),
            min(labeled),
            max(labeled),
            sum(labeled) / sum(sizes),
            self.labeled_ratio,
            num_pseudo_utts,
            (sum(sizes) - sum(labeled)) // max(1, num_pseudo_utts),
            len(uses),
            sum(1 for g in groups.values() if g == "labeled"),
            sum(labeled) / max(1, len(uses)),
            "bucketed" if self.bucketed else "random",
            padding_factor(self.batch_list, lengths),
        )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(N-batch={len(self)}, batch_size={self.batch_size}, "
            f"labeled={self.num_labeled}, pseudo={self.num_pseudo}, shape_file={self.shape_file}, "
            f"utt2group_file={self.utt2group_file}, seed={self.seed}, bucketed={self.bucketed}, "
            f"length_jitter={self.length_jitter}, world_size={self.world_size})"
        )

    def __len__(self) -> int:
        return len(self.batch_list)

    def __iter__(self) -> Iterator[Tuple[str, ...]]:
        return iter(self.batch_list)


def mixed_sampler_builder(
    utt2group_file: Path | str,
    labeled_ratio: float,
    seed: int,
    bucketed: bool = True,
    length_jitter: float = 0.1,
    world_size: int = 1,
) -> Callable[..., MixedBatchSampler]:
    """A stand-in for ``espnet2.samplers.build_batch_sampler.build_batch_sampler`` returning our sampler.

    ``world_size``: the DDP processes that split each batch (:func:`order_for_ranks`).
    """

    def build(
        type: str, batch_size: int, shape_files: Sequence[str], **_: object
    ) -> MixedBatchSampler:
        if type not in ("unsorted", "sorted"):
            logger.warning(
                "NST mixing makes batches of --batch_size=%d utterances; --batch_type %s is ignored",
                batch_size,
                type,
            )
        return MixedBatchSampler(
            batch_size,
            str(shape_files[0]),
            str(utt2group_file),
            labeled_ratio,
            seed,
            bucketed=bucketed,
            length_jitter=length_jitter,
            world_size=world_size,
        )

    return build
