"""``BigSSLTask``: wav2vec 2.0 pretraining registered in ESPnet's task system.

A YAML config picks every part by name through ESPnet ``ClassChoices``:
``frontend`` (default: log-mel), ``specaug``, ``normalize``, ``encoder`` (conformer),
``masking`` (span), ``target`` (linear | quantizer), ``loss`` (wav2vec2) and ``model`` (wav2vec2),
each with its ``*_conf``. Everything else (--config, --resume, --ngpu, DDP flags, --collect_stats,
optimizers, schedulers, batching) is ESPnet's AbsTask. The only data input is ``speech``.
"""

from __future__ import annotations

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable, Collection, Dict, List, Optional, Tuple  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from espnet2.asr.encoder.abs_encoder import AbsEncoder  # noqa: E402
from espnet2.asr.encoder.conformer_encoder import ConformerEncoder  # noqa: E402
from espnet2.asr.encoder.transformer_encoder import TransformerEncoder  # noqa: E402
from espnet2.asr.frontend.abs_frontend import AbsFrontend  # noqa: E402
from espnet2.asr.frontend.default import DefaultFrontend  # noqa: E402
from espnet2.asr.specaug.abs_specaug import AbsSpecAug  # noqa: E402
from espnet2.asr.specaug.specaug import SpecAug  # noqa: E402
from espnet2.layers.abs_normalize import AbsNormalize  # noqa: E402
from espnet2.layers.global_mvn import GlobalMVN  # noqa: E402
from espnet2.layers.utterance_mvn import UtteranceMVN  # noqa: E402
from espnet2.tasks.abs_task import AbsTask  # noqa: E402
from espnet2.torch_utils.initialize import initialize  # noqa: E402
from espnet2.train.abs_espnet_model import AbsESPnetModel  # noqa: E402
from espnet2.train.class_choices import ClassChoices  # noqa: E402
from espnet2.train.collate_fn import CommonCollateFn  # noqa: E402
from espnet2.train.trainer import Trainer  # noqa: E402
from espnet2.utils.types import int_or_none, str2bool, str_or_none  # noqa: E402

from bigssl.asr.schedule import resolve_auto_steps  # noqa: E402
from bigssl.ssl.contrastive import ContrastiveLoss  # noqa: E402
from bigssl.ssl.masking import SpanMasking  # noqa: E402
from bigssl.ssl.model import Wav2Vec2PretrainModel  # noqa: E402
from bigssl.ssl.targets import AbsTarget, GumbelQuantizer, LinearTarget  # noqa: E402
from bigssl.training.checkpoints import SafeCheckpoints  # noqa: E402
from bigssl.training.compile import (  # noqa: E402
    COMPILE_SCOPES,
    compile_pretraining_model,
)
from bigssl.training.fused_modules import (  # noqa: E402
    add_encoder_levers_argument,
    apply_encoder_levers,
)

frontend_choices = ClassChoices(
    name="frontend",
    classes=dict(default=DefaultFrontend),
    type_check=AbsFrontend,
    default="default",
)
specaug_choices = ClassChoices(
    name="specaug",
    classes=dict(specaug=SpecAug),
    type_check=AbsSpecAug,
    default=None,
    optional=True,
)
normalize_choices = ClassChoices(
    "normalize",
    classes=dict(global_mvn=GlobalMVN, utterance_mvn=UtteranceMVN),
    type_check=AbsNormalize,
    default="utterance_mvn",
    optional=True,
)
encoder_choices = ClassChoices(
    "encoder",
    classes=dict(conformer=ConformerEncoder, transformer=TransformerEncoder),
    type_check=AbsEncoder,
    default="conformer",
)
masking_choices = ClassChoices(
    "masking",
    classes=dict(span=SpanMasking),
    type_check=torch.nn.Module,
    default="span",
)
target_choices = ClassChoices(
    "target",
    classes=dict(linear=LinearTarget, quantizer=GumbelQuantizer),
    type_check=AbsTarget,
    default="linear",
)
loss_choices = ClassChoices(
    "loss",
    classes=dict(wav2vec2=ContrastiveLoss),
    type_check=torch.nn.Module,
    default="wav2vec2",
)
model_choices = ClassChoices(
    "model",
    classes=dict(wav2vec2=Wav2Vec2PretrainModel),
    type_check=AbsESPnetModel,
    default="wav2vec2",
)


class BigSSLTask(SafeCheckpoints, AbsTask):
    """wav2vec 2.0 pretraining of ESPnet encoders on unlabeled speech."""

    num_optimizers: int = 1
    class_choices_list = [
        frontend_choices,
        specaug_choices,
        normalize_choices,
        encoder_choices,
        masking_choices,
        target_choices,
        loss_choices,
        model_choices,
    ]
    trainer = Trainer

    @classmethod
    def main_worker(cls, args: argparse.Namespace) -> None:
        """ESPnet's main_worker, after resolving ``auto`` scheduler step counts (e.g. tristagelr's
        ``max_steps: auto`` = max_epoch x steps per epoch, bigssl.asr.schedule)."""
        resolve_auto_steps(args)
        super().main_worker(args)

    @classmethod
    def add_task_arguments(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group(description="Task related")
        group.add_argument(
            "--input_size",
            type=int_or_none,
            default=None,
            help="Feature dimension when the data loader gives features (then no frontend)",
        )
        group.add_argument(
            "--init",
            type=lambda x: str_or_none(x.lower()),
            default=None,
            choices=[
                "chainer",
                "xavier_uniform",
                "xavier_normal",
                "kaiming_uniform",
                "kaiming_normal",
                None,
            ],
            help="The initialization method (None: each module's own)",
        )
        group.add_argument(
            "--compile_encoder",
            type=str2bool,
            default=False,
            help="torch.compile each encoder block (GPU speed-up; checkpoints unchanged)",
        )
        group.add_argument(
            "--compile_scope",
            choices=list(COMPILE_SCOPES),
            default="blocks",
            help="with --compile_encoder true: 'blocks' compiles the encoder blocks, 'model' "
            "also the subsampling, the target and the loss (bigssl.training.compile)",
        )
        add_encoder_levers_argument(group)
        for class_choices in cls.class_choices_list:
            class_choices.add_arguments(group)

    @classmethod
    def build_collate_fn(cls, args: argparse.Namespace, train: bool) -> Callable[
        [Collection[Tuple[str, Dict[str, np.ndarray]]]],
        Tuple[List[str], Dict[str, torch.Tensor]],
    ]:
        return CommonCollateFn(float_pad_value=0.0, int_pad_value=-1)

    @classmethod
    def build_preprocess_fn(
        cls, args: argparse.Namespace, train: bool
    ) -> Optional[Callable[[str, Dict[str, np.ndarray]], Dict[str, np.ndarray]]]:
        return None

    @classmethod
    def required_data_names(
        cls, train: bool = True, inference: bool = False
    ) -> Tuple[str, ...]:
        return ("speech",)

    @classmethod
    def optional_data_names(
        cls, train: bool = True, inference: bool = False
    ) -> Tuple[str, ...]:
        return ()

    @classmethod
    def build_model(cls, args: argparse.Namespace) -> Wav2Vec2PretrainModel:
        if args.input_size is None:
            frontend = frontend_choices.get_class(args.frontend)(**args.frontend_conf)
            input_size = frontend.output_size()
        else:
            args.frontend = None
            args.frontend_conf = {}
            frontend = None
            input_size = args.input_size

        specaug = None
        if args.specaug is not None:
            specaug = specaug_choices.get_class(args.specaug)(**args.specaug_conf)
        normalize = None
        if args.normalize is not None:
            normalize = normalize_choices.get_class(args.normalize)(
                **args.normalize_conf
            )

        encoder = encoder_choices.get_class(args.encoder)(
            input_size=input_size, **args.encoder_conf
        )
        size = encoder.output_size()
        masking = masking_choices.get_class(args.masking)(
            input_size=size, **args.masking_conf
        )
        target = target_choices.get_class(args.target)(
            input_size=size, **args.target_conf
        )
        loss = loss_choices.get_class(args.loss)(
            input_size=size, target_size=target.output_size(), **args.loss_conf
        )
        model = model_choices.get_class(args.model)(
            frontend=frontend,
            specaug=specaug,
            normalize=normalize,
            encoder=encoder,
            masking=masking,
            target=target,
            loss=loss,
            **args.model_conf,
        )
        if args.init is not None:
            initialize(model, args.init)
        if getattr(args, "encoder_levers", None):  # before compiling
            apply_encoder_levers(model.encoder, args.encoder_levers)
        if getattr(args, "compile_encoder", False):
            compile_pretraining_model(model, getattr(args, "compile_scope", "blocks"))
        output_dir = getattr(args, "output_dir", None)
        model.output_dir = Path(output_dir) if output_dir else None
        return model


def build_model_from_config(
    config: Path, extra_args: Optional[List[str]] = None
) -> Tuple[Wav2Vec2PretrainModel, argparse.Namespace]:
    """The pretraining model of a config file with fresh weights, and its parsed arguments.

    ``global_mvn`` (whose statistics file belongs to a recipe's data) is replaced by
    ``utterance_mvn``: for benchmarks and tests of the model's arithmetic, not for training.
    """
    args = BigSSLTask.get_parser().parse_args(
        ["--config", str(config), "--output_dir", "unused"] + list(extra_args or [])
    )
    if args.normalize == "global_mvn":
        args.normalize, args.normalize_conf = "utterance_mvn", {}
    return BigSSLTask.build_model(args), args
