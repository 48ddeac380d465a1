"""ESPnet's ASR task plus the BigSSL fine-tuning options.

* ``--encoder_lr_scale S``: the encoder's learning rate is S times the rest's (separate
  encoder/decoder learning rates, as the paper fine-tunes). Every scheduler scales both.
* ``--freeze_encoder_steps N``: the encoder's weights do not move during the first N optimizer
  steps (its gradients are dropped before each step, so Adam keeps no state for them); after that
  it trains (BatchNorm running statistics, being buffers, still update). The count is read back
  from the optimizer state, so ``--resume`` keeps it.
* ``--nst_mix_ratio R`` (NST students): each training batch of ``--batch_size`` utterances holds
  ``round(R * batch_size)`` labeled ones, the rest pseudo-labeled (:mod:`bigssl.asr.mixing`).
* ``--nst_epoch_size data`` (default): a student's epoch is one pass worth of its data, so
  ``max_epoch`` counts passes (:func:`bigssl.asr.schedule.resolve_epoch_size`).
* ``scheduler_conf: {max_steps: auto}`` (``tristagelr``): the schedule's total step count is
  derived from the data and the epochs before training (:mod:`bigssl.asr.schedule`), so the
  learning rate anneals within the run's budget whatever the data size.
* ``--encoder_levers NAME ...``: swap encoder modules for fused equivalents with the same weights
  (:mod:`bigssl.training.fused_modules`; the pretraining task has the same option).
* ``specaug: adaptive_specaug``: SpecAugment with length-adaptive time masks
  (:mod:`bigssl.asr.specaug`), and ``model: bigssl_transducer`` (RNN-T with torchaudio's loss,
  :mod:`bigssl.asr.transducer`): both are registered into ESPnet's own class choices when this
  module is imported, so ESPnet's ``ASRTask`` and stock ``Speech2Text`` know them from then on.

The model stays a stock ``ESPnetASRModel`` (``model: espnet``); the options above only land in
config.yaml as extra keys, which stock ``Speech2Text`` ignores. Initialize the encoder from a
pretraining checkpoint with ESPnet's ``--init_param exp/ssl_iter1/valid.loss.best.pth:encoder:encoder``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import List
from unittest import mock

import torch
from espnet2.tasks import abs_task
from espnet2.tasks.asr import ASRTask
from espnet2.train.abs_espnet_model import AbsESPnetModel
from torch.optim import Optimizer

from bigssl.asr.mixing import UTT2GROUP, mixed_sampler_builder
from bigssl.asr.schedule import resolve_auto_steps, resolve_epoch_size
from bigssl.asr.specaug import register_specaug_choices
from bigssl.asr.transducer import register_model_choices
from bigssl.training.checkpoints import SafeCheckpoints
from bigssl.training.fused_modules import (
    add_encoder_levers_argument,
    apply_encoder_levers,
)
from bigssl.training.guards import NonFiniteLossGuard

logger = logging.getLogger(__name__)
register_specaug_choices()  # specaug: adaptive_specaug (the NST student's noise)
register_model_choices()  # model: bigssl_transducer (RNN-T)


def split_encoder_params(model: torch.nn.Module) -> tuple:
    """(encoder parameters, other parameters), trainable ones only."""
    encoder, other = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (encoder if name.startswith("encoder.") else other).append(param)
    return encoder, other


class EncoderFreezer:
    """Optimizer step pre-hook dropping the encoder's gradients for the first N steps."""

    def __init__(
        self,
        encoder_params: List[torch.nn.Parameter],
        reference: torch.nn.Parameter,
        steps: int,
    ) -> None:
        self.encoder_params = encoder_params
        self.reference = (
            reference  # a non-encoder parameter whose optimizer state counts steps
        )
        self.steps = steps
        self._announced = False

    def steps_done(self, optimizer: Optimizer) -> int:
        step = optimizer.state.get(self.reference, {}).get("step", 0)
        return int(step.item() if torch.is_tensor(step) else step)

    def __call__(self, optimizer: Optimizer, args: tuple, kwargs: dict) -> None:
        if self.steps_done(optimizer) < self.steps:
            for param in self.encoder_params:
                param.grad = None
        elif not self._announced:
            logger.info("encoder unfrozen after %d optimizer steps", self.steps)
            self._announced = True


class BigSSLASRTask(SafeCheckpoints, ASRTask):
    """ASRTask with encoder learning-rate scaling, step-limited encoder freezing and NST batch mixing.

    ``model: espnet`` stays the default; ``model: bigssl_transducer`` is registered (see the module doc).
    """

    @classmethod
    def add_task_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_task_arguments(parser)
        group = parser.add_argument_group(description="BigSSL fine-tuning")
        group.add_argument(
            "--encoder_lr_scale",
            type=float,
            default=1.0,
            help="encoder learning rate = this x the optimizer's lr",
        )
        group.add_argument(
            "--freeze_encoder_steps",
            type=int,
            default=0,
            help="keep the encoder's weights fixed for this many optimizer steps",
        )
        group.add_argument(
            "--nst_mix_ratio",
            type=float,
            default=0.0,
            help="NST: fraction of each training batch that is labeled (0.1 = 1:9 labeled:pseudo), "
            "groups read from utt2group beside the first training data file; 0 = off",
        )
        group.add_argument(
            "--nonfinite_loss_patience",
            type=int,
            default=10,
            help="each non-finite training loss is logged with its step and its update skipped; "
            "this many in a row stop the run, naming the last checkpoint (0 = never stop)",
        )
        group.add_argument(
            "--nst_epoch_size",
            choices=["data", "batch_list"],
            default="data",
            help="NST (without --num_iters_per_epoch): 'data' = an epoch is ceil(utterances / "
            "batch_size) steps, one pass worth of the student data; 'batch_list' = ESPnet's "
            "default, the mixing sampler's whole batch list (which repeats the pseudo set as "
            "often as it takes for every labeled utterance to appear)",
        )
        add_encoder_levers_argument(group)

    @classmethod
    def build_model(cls, args: argparse.Namespace) -> AbsESPnetModel:
        """ESPnet's model, its encoder's ``--encoder_levers`` swapped in, with the non-finite
        loss guard hooked on (neither changes its weights)."""
        model = super().build_model(args)
        if getattr(args, "encoder_levers", None):
            apply_encoder_levers(model.encoder, args.encoder_levers)
        patience = getattr(args, "nonfinite_loss_patience", 0)
        if patience > 0:
            output_dir = Path(args.output_dir) if args.output_dir else None
            NonFiniteLossGuard(output_dir, patience).install(model)
        return model

    @classmethod
    def build_sequence_iter_factory(cls, args: argparse.Namespace, iter_options, mode: str):  # type: ignore[no-untyped-def]
        ratio = getattr(args, "nst_mix_ratio", 0.0)
        if mode != "train" or not iter_options.data_path_and_name_and_type:
            return super().build_sequence_iter_factory(args, iter_options, mode)
        data_dir = Path(
            iter_options.data_path_and_name_and_type[0][0]
        ).parent  # where ESPnet looks for utt2category
        if not ratio:
            return super().build_sequence_iter_factory(args, iter_options, mode)
        # ESPnet's method calls the module-level build_batch_sampler of espnet2.tasks.abs_task and has
        # no other hook for the sampler; patching that one name keeps the rest of its code path (batch
        # logging, DDP sharding by rank, dataset, SequenceIterFactory) unchanged. Under DDP the
        # sampler orders each batch so that ESPnet's batch[rank::world_size] deals both groups evenly.
        world_size = (
            torch.distributed.get_world_size() if iter_options.distributed else 1
        )
        builder = mixed_sampler_builder(
            data_dir / UTT2GROUP, ratio, args.seed, world_size=world_size
        )
        with mock.patch.object(abs_task, "build_batch_sampler", builder):
            return super().build_sequence_iter_factory(args, iter_options, mode)

    @classmethod
    def main_worker(cls, args: argparse.Namespace) -> None:
        """ESPnet's main_worker, after resolving ``auto`` scheduler step counts (bigssl.asr.schedule)."""
        if not args.collect_stats:
            resolve_epoch_size(args)
        resolve_auto_steps(args)
        super().main_worker(args)

    @classmethod
    def build_optimizers(
        cls, args: argparse.Namespace, model: AbsESPnetModel
    ) -> List[Optimizer]:
        scale = getattr(args, "encoder_lr_scale", 1.0)
        freeze = getattr(args, "freeze_encoder_steps", 0)
        if scale == 1.0 and freeze == 0:
            return super().build_optimizers(args, model)
        if args.sharded_ddp or args.exclude_weight_decay:
            raise ValueError(
                "--encoder_lr_scale/--freeze_encoder_steps do not combine with --sharded_ddp or --exclude_weight_decay"
            )
        from espnet2.tasks.abs_task import optim_classes

        optim_class = optim_classes.get(args.optim)
        if optim_class is None:
            raise ValueError(f"must be one of {list(optim_classes)}: {args.optim}")
        encoder, other = split_encoder_params(model)
        if not encoder or not other:
            raise ValueError(
                "the model needs both encoder and non-encoder parameters to use these options"
            )
        base_lr = args.optim_conf.get(
            "lr",
            (
                optim_class.__init__.__defaults__[0]
                if optim_class.__init__.__defaults__
                else 1e-3
            ),
        )
        groups = [{"params": other}, {"params": encoder, "lr": base_lr * scale}]
        optimizer = optim_class(groups, **args.optim_conf)
        if freeze > 0:
            optimizer.register_step_pre_hook(EncoderFreezer(encoder, other[0], freeze))
        logger.info(
            "optimizer: encoder lr x%.3g, encoder frozen for the first %d steps",
            scale,
            freeze,
        )
        return [optimizer]
