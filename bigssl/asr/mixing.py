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
``batch_size x longest utterance``. Each pass sorts the pseudo units by length times a seeded
random factor in ``[1 - length_jitter, 1 + length_jitter]`` (so the passes differ) and cuts the
sorted list into consecutive batches. The labeled slots of all batches, taken in the order of the
batches' mean pseudo length, are filled from the labeled utterances sorted by (jittered) length,
each repeated as often as even use allows (the extra uses go to a seeded random subset): batch ``i``
gets the shortest labeled utterances not yet used up, except that one whose remaining uses equal
the number of batches left is taken at once (that keeps every batch free of duplicates). Finally
the batch order inside each pass is shuffled with the seed. ``bucketed=False`` restores the random
layout: each pass a seeded permutation of the pseudo units, labeled utterances drawn cyclically
from successive seeded permutations. :func:`padding_factor` (padded / real length) of the mini
corpus setup (1-5 s utterances, 1200 labeled + 3840 pseudo, batch 10, 1:9): random 1.55, bucketed
1.08 (jitter 0.1), 1.005 (jitter 0); see ``bench/bench_mixing.py``.

K-best training (:mod:`bigssl.nst.student_data`): when ``utt2base`` and ``utt2weight`` sit beside
``utt2group``, the pseudo entries are alternatives ``u-nb<k>`` of base utterances ``u``. A pass then
covers every BASE utterance exactly once, and for each one a single alternative is drawn with
probability proportional to its weight (a seeded stream of its own: deterministic, a fresh draw in
every pass), so in expectation the loss is the posterior-weighted loss over the K hypotheses.
The layout uses a base's length (its alternatives share its audio), so the draw does not move it.
The batch list is fixed once, so a base utterance gets one draw per pass of the list, not one per
epoch: with a single pass, every epoch sees the same alternative.

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
the files it reads (:data:`UTT2GROUP`, :data:`UTT2WEIGHT`, :data:`UTT2BASE`).
"""

from __future__ import annotations

import collections
import logging
import math
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from espnet2.fileio.read_text import load_num_sequence_text
from espnet2.samplers.abs_sampler import AbsSampler

from bigssl.io_utils import check_same_ids, examples, read_kv

logger = logging.getLogger(__name__)

GROUPS = ("labeled", "pseudo")
# Files beside the student's first training data file (written by bigssl.nst.student_data).
UTT2GROUP = "utt2group"  # <utt> labeled|pseudo
UTT2WEIGHT = "utt2weight"  # K-best: <utt>-nb<k> <posterior weight>
UTT2BASE = "utt2base"  # K-best: <utt>-nb<k> <utt>


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


class KBestAlternatives:
    """Base utterances and their weighted alternatives (``utt2base`` + ``utt2weight``), drawable in bulk.

    ``bases`` is sorted; ``alternatives[i]`` are base i's entries, highest weight first (ties by id).
    """

    def __init__(self, utt2base: Dict[str, str], utt2weight: Dict[str, float]) -> None:
        by_base: Dict[str, List[Tuple[float, str]]] = collections.defaultdict(list)
        for alt, base in utt2base.items():
            by_base[base].append((utt2weight[alt], alt))
        self.bases = sorted(by_base)
        self.alternatives: List[List[str]] = []
        flat: List[str] = []
        cumulative: List[float] = []
        first: List[int] = []
        for i, base in enumerate(self.bases):
            alts = sorted(by_base[base], key=lambda wa: (-wa[0], wa[1]))
            self.alternatives.append([a for _, a in alts])
            total = sum(w for w, _ in alts)
            first.append(len(flat))
            running = 0.0
            for w, a in alts:
                running += w / total
                flat.append(a)
                cumulative.append(i + running)
            cumulative[-1] = i + 1.0
        self._flat = flat
        self._cumulative = np.asarray(cumulative)
        self._first = np.asarray(first, dtype=np.int64)
        self._last = np.asarray(first[1:] + [len(flat)], dtype=np.int64) - 1
        self.top = {alts[0] for alts in self.alternatives}

    def draw(self, rng: np.random.RandomState) -> Dict[str, str]:
        """base -> one alternative, drawn with probability proportional to its weight."""
        targets = np.arange(len(self.bases)) + rng.random_sample(len(self.bases))
        index = np.clip(
            np.searchsorted(self._cumulative, targets, side="right"),
            self._first,
            self._last,
        )
        return {base: self._flat[i] for base, i in zip(self.bases, index)}


def read_kbest(
    utt2group_file: Path | str, groups: Dict[str, str]
) -> Optional[KBestAlternatives]:
    """The K-best alternatives beside ``utt2group_file``, checked against its groups; None without the files."""
    directory = Path(utt2group_file).parent
    base_file, weight_file = directory / UTT2BASE, directory / UTT2WEIGHT
    if not base_file.is_file() and not weight_file.is_file():
        return None
    for present, absent in ((base_file, weight_file), (weight_file, base_file)):
        if present.is_file() and not absent.is_file():
            raise FileNotFoundError(
                f"{absent}: missing; K-best training needs both {UTT2BASE} and {UTT2WEIGHT} "
                f"(found {present})"
            )
    utt2base = read_kv(base_file, one_token=True)
    raw_weights = read_kv(weight_file, one_token=True)
    check_same_ids(raw_weights, utt2base, weight_file, base_file)
    utt2weight: Dict[str, float] = {}
    for utt, value in raw_weights.items():
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(
                f"{weight_file}: utterance '{utt}': not a number: '{value}'"
            ) from None
        if not (math.isfinite(weight) and weight > 0):
            raise ValueError(
                f"{weight_file}: utterance '{utt}': weight must be a positive number, got '{value}'"
            )
        utt2weight[utt] = weight
    unknown = sorted(u for u in utt2base if u not in groups)
    if unknown:
        raise ValueError(
            f"{base_file}: {examples(unknown, 'utterance(s)')} not in {utt2group_file}"
        )
    labeled = sorted(u for u in utt2base if groups[u] != "pseudo")
    if labeled:
        raise ValueError(
            f"{base_file}: {examples(labeled, 'alternative(s)')} are not 'pseudo' in {utt2group_file}"
        )
    orphans = sorted(
        u for u, g in groups.items() if g == "pseudo" and u not in utt2base
    )
    if orphans:
        raise ValueError(
            f"{base_file}: no base utterance for {examples(orphans, 'pseudo utterance(s)')} of {utt2group_file}"
        )
    chained = sorted(set(utt2base.values()) & set(utt2base))
    if chained:
        raise ValueError(
            f"{base_file}: {examples(chained, 'base utterance(s)')} are themselves alternatives"
        )
    return KBestAlternatives(utt2base, utt2weight)


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
        self.kbest = read_kbest(utt2group_file, groups)
        self.kbest_stats: Dict[str, int] = {}
        pseudo_units = (
            self.kbest.bases if self.kbest is not None else by_group["pseudo"]
        )
        if self.bucketed:
            self.batch_list = self._bucketed_batches(
                by_group["labeled"], pseudo_units, lengths
            )
        else:
            self.batch_list = self._make_batches(
                by_group["labeled"], pseudo_units, lengths
            )
        if world_size > 1:  # DDP: ESPnet gives rank r batch[r::world_size]
            self.batch_list = [
                order_for_ranks(batch, groups, lengths, world_size)
                for batch in self.batch_list
            ]
        self._log_composition(groups, len(pseudo_units), lengths)

    def _kbest_rng(self) -> np.random.RandomState:
        return np.random.RandomState(
            [self.seed, 0x6B62]
        )  # a stream of its own: the batch layout stays seeded as before

    def _pass_counts(self, num_labeled: int, num_pseudo: int) -> Tuple[int, int]:
        """(batches per pass, passes): enough passes for every labeled utterance to appear."""
        num_batches = math.ceil(num_pseudo / self.num_pseudo)
        passes = max(1, math.ceil(num_labeled / (self.num_labeled * num_batches)))
        return num_batches, passes

    def _draw_alternatives(
        self, order: List[str], draw_rng: Optional[np.random.RandomState]
    ) -> List[str]:
        """K-best: one drawn alternative per base in ``order`` (counted in ``kbest_stats``); else ``order``."""
        if self.kbest is None:
            return order
        drawn = self.kbest.draw(draw_rng)  # type: ignore[arg-type]
        alts = [drawn[base] for base in order]
        self.kbest_stats["draws"] = self.kbest_stats.get("draws", 0) + len(alts)
        self.kbest_stats["non_top_draws"] = self.kbest_stats.get(
            "non_top_draws", 0
        ) + sum(1 for alt in alts if alt not in self.kbest.top)
        return alts

    def _unit_lengths(self, pseudo: List[str], lengths: Dict[str, int]) -> np.ndarray:
        """Length of each pseudo unit; a K-best base takes its alternatives' (longest) length."""
        if self.kbest is None:
            return np.asarray([lengths[u] for u in pseudo], dtype=np.float64)
        return np.asarray(
            [max(lengths[a] for a in alts) for alts in self.kbest.alternatives],
            dtype=np.float64,
        )

    def _bucketed_batches(
        self, labeled: List[str], pseudo: List[str], lengths: Dict[str, int]
    ) -> List[Tuple[str, ...]]:
        """Length-homogeneous batches (module docstring); ``pseudo`` as in :meth:`_make_batches`."""
        rng = np.random.RandomState(self.seed)
        draw_rng = self._kbest_rng() if self.kbest is not None else None
        num_batches, passes = self._pass_counts(len(labeled), len(pseudo))
        bounds = [i * len(pseudo) // num_batches for i in range(num_batches + 1)]
        unit_len = self._unit_lengths(pseudo, lengths)
        chunks: List[List[str]] = []  # pseudo part of every batch, pass after pass
        means: List[float] = []
        for _ in range(passes):
            order = np.argsort(self._jittered(unit_len, rng), kind="stable")
            entries = self._draw_alternatives([pseudo[i] for i in order], draw_rng)
            for b in range(num_batches):
                chunks.append(entries[bounds[b] : bounds[b + 1]])
                means.append(float(unit_len[order[bounds[b] : bounds[b + 1]]].mean()))
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
        """The random layout. ``pseudo``: the pseudo utterances, or with K-best the base utterances
        (one alternative drawn per pass)."""
        rng = np.random.RandomState(self.seed)
        draw_rng = self._kbest_rng() if self.kbest is not None else None
        num_batches, passes = self._pass_counts(len(labeled), len(pseudo))
        bounds = [i * len(pseudo) // num_batches for i in range(num_batches + 1)]
        queue: collections.deque = collections.deque()
        batches = []
        for b in range(num_batches * passes):
            if b % num_batches == 0:
                order = [pseudo[i] for i in rng.permutation(len(pseudo))]
                order = self._draw_alternatives(order, draw_rng)
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
        self, groups: Dict[str, str], num_pseudo_units: int, lengths: Dict[str, int]
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
            num_pseudo_units,
            (sum(sizes) - sum(labeled)) // max(1, num_pseudo_units),
            len(uses),
            sum(1 for g in groups.values() if g == "labeled"),
            sum(labeled) / max(1, len(uses)),
            "bucketed" if self.bucketed else "random",
            padding_factor(self.batch_list, lengths),
        )
        if self.kbest is not None:
            draws, other = self.kbest_stats.get("draws", 0), self.kbest_stats.get(
                "non_top_draws", 0
            )
            logger.info(
                "NST K-best: %d base utterances with %d alternatives (%.2f each); %d of %d draws (%.1f%%) picked an "
                "alternative other than the highest-weight one",
                len(self.kbest.bases),
                sum(len(a) for a in self.kbest.alternatives),
                sum(len(a) for a in self.kbest.alternatives)
                / max(1, len(self.kbest.bases)),
                other,
                draws,
                100.0 * other / max(1, draws),
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
