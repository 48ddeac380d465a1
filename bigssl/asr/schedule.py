"""Learning-rate schedules that anneal within a step budget derived from the data.

A schedule that decays to its end (ESPnet's ``tristagelr``: warmup, hold, exponential decay, as
wav2vec 2.0 fine-tuning uses it) needs the run's total number of optimizer steps. Writing
``max_steps: auto`` (or ``first_cycle_steps: auto`` for ``cosineannealingwarmuprestarts``) in
``scheduler_conf`` lets the ASR task fill it in before the scheduler is built:
``max_epoch x steps per epoch``, where an epoch is ``--num_iters_per_epoch`` steps when set, else
one pass of the training batch sampler over the data (the NST mixing sampler for students). The
resolved number is what ``config.yaml`` records.

Under DDP the counts are the same: ESPnet's batches are global (``--batch_size``/``--batch_bins``
count all ranks together) and every rank takes its slice ``batch[rank::world_size]`` of every
batch, so each rank makes one optimizer step per global batch. Only the sampler's smallest batch
(``world_size`` utterances, as ESPnet builds it under DDP) depends on the world size.
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path
from typing import Optional

from bigssl.asr.mixing import UTT2GROUP, mixed_sampler_builder, read_utt2group

logger = logging.getLogger(__name__)

AUTO = "auto"
COLLECT_STATS_PLACEHOLDER_STEPS = 1000  # the unused schedule of a --collect_stats run
STEP_KEYS = (
    "max_steps",
    "first_cycle_steps",
)  # tristagelr, cosineannealingwarmuprestarts


def _world_size(args: argparse.Namespace) -> int:
    if getattr(args, "distributed", False):
        return max(1, int(getattr(args, "dist_world_size", None) or 1))
    return 1


def steps_per_epoch(args: argparse.Namespace) -> int:
    """Optimizer steps in one training epoch of ``args`` (every rank makes them all under DDP)."""
    accum = max(1, int(getattr(args, "accum_grad", 1) or 1))
    if getattr(args, "num_iters_per_epoch", None):
        return max(1, int(args.num_iters_per_epoch) // accum)
    shape_files = list(args.train_shape_file)
    if getattr(args, "nst_mix_ratio", 0.0):
        data_dir = Path(args.train_data_path_and_name_and_type[0][0]).parent
        build = mixed_sampler_builder(
            data_dir / UTT2GROUP,
            args.nst_mix_ratio,
            args.seed,
            world_size=_world_size(args),
        )
        sampler = build(
            type=args.batch_type, batch_size=args.batch_size, shape_files=shape_files
        )
    else:
        from espnet2.samplers.build_batch_sampler import build_batch_sampler

        sampler = build_batch_sampler(
            type=args.batch_type,
            shape_files=shape_files,
            fold_lengths=args.fold_length,
            batch_size=args.batch_size,
            batch_bins=args.batch_bins,
            sort_in_batch=args.sort_in_batch,
            sort_batch=args.sort_batch,
            drop_last=args.drop_last_iter,
            min_batch_size=_world_size(args),
        )
    return max(1, len(sampler) // accum)


def student_data_size(args: argparse.Namespace) -> int:
    """Utterances in an NST student's training data: labeled + pseudo."""
    utt2group = Path(args.train_data_path_and_name_and_type[0][0]).parent / UTT2GROUP
    return len(read_utt2group(utt2group))


def resolve_epoch_size(args: argparse.Namespace) -> Optional[int]:
    """With NST mixing and ``--nst_epoch_size data``, an epoch is one pass worth of the student data.

    The mixing sampler's batch list may repeat the pseudo set several times so that every labeled
    utterance appears (1200 labeled at 1:9 over 4800 pseudo: 3 passes); ESPnet would make that
    whole list one epoch. Here ``--num_iters_per_epoch`` (when unset) becomes
    ``ceil(utterances / batch_size)``, so ``max_epoch`` counts passes over the data.
    """
    if not getattr(args, "nst_mix_ratio", 0.0) or getattr(
        args, "num_iters_per_epoch", None
    ):
        return None
    if getattr(args, "nst_epoch_size", "data") != "data":
        return None
    steps = math.ceil(student_data_size(args) / args.batch_size)  # global batches
    args.num_iters_per_epoch = max(1, steps)
    logger.info(
        "NST epoch = one pass over the student data: --num_iters_per_epoch %d", steps
    )
    return args.num_iters_per_epoch


def resolve_auto_steps(args: argparse.Namespace) -> Optional[int]:
    """Replace an ``auto`` step count in ``args.scheduler_conf`` by the run's total steps."""
    conf = getattr(args, "scheduler_conf", None) or {}
    keys = [k for k in STEP_KEYS if conf.get(k) == AUTO]
    if not keys:
        return None
    if getattr(args, "collect_stats", False):
        # ESPnet builds the scheduler when collecting statistics too, but never steps it (stage 40
        # with an annealed config); any valid count will do, and none is recorded.
        for key in keys:
            conf[key] = COLLECT_STATS_PLACEHOLDER_STEPS
        return None
    total = int(args.max_epoch) * steps_per_epoch(args)
    for key in keys:
        conf[key] = total
    logger.info(
        "scheduler %s: %s = %d (%d epochs x %d steps)",
        args.scheduler,
        "/".join(keys),
        total,
        args.max_epoch,
        total // int(args.max_epoch),
    )
    return total
