"""RNN-T fine-tuning inside ESPnet, with torchaudio's transducer loss (``model: bigssl_transducer``).

ESPnet's ``ESPnetASRModel`` already holds the whole RNN-T path: ``TransducerDecoder`` (the LSTM
prediction network), ``JointNetwork``, ``get_transducer_task_io`` and ``_calc_transducer_loss``,
plus an auxiliary CTC branch (``model_conf: ctc_weight``). Its constructor, though, imports
``warprnnt_pytorch`` for the loss as soon as a joint network is given, and warp-transducer does not
build here. :class:`BigSSLTransducerModel` therefore constructs the parent *without* the joint
network (so the import never runs), then installs the transducer parts itself, with
:class:`TorchaudioRNNTLoss` (``torchaudio.functional.rnnt_loss``) as ``criterion_transducer``.
Everything else (forward, loss weighting, stats, checkpoints, ``Speech2Text``'s
``BeamSearchTransducer``) is ESPnet's own code.

Loss scale: warp-transducer's ``RNNTLoss(reduction="mean")`` sums each utterance's negative
log-likelihood and divides by the batch size; ``rnnt_loss(reduction="mean")`` does the same (both
apply log-softmax to the joint logits themselves). ESPnet's CTC loss is also a per-utterance sum
averaged over the batch, so ``loss = loss_transducer + ctc_weight * loss_ctc`` keeps its meaning.

The model name is registered into ESPnet's own ``model_choices`` (:func:`register_model_choices`,
called when :mod:`bigssl.asr.task` is imported), so ESPnet's ``ASRTask`` and stock ``Speech2Text``
build it once bigssl's ASR task is imported: decode with ``bigssl.bin.decode`` or
:func:`bigssl.asr.decode.load_speech2text`.
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch
from espnet2.asr.espnet_model import ESPnetASRModel
from espnet2.asr.transducer.error_calculator import ErrorCalculatorTransducer
from espnet.nets.e2e_asr_common import ErrorCalculator

from bigssl.training.precision import fp32_region

TRANSDUCER_MODEL_NAME = "bigssl_transducer"


class TorchaudioRNNTLoss(torch.nn.Module):
    """Drop-in for ``warprnnt_pytorch.RNNTLoss`` as ESPnet calls it: ``(logits, targets, t_len, u_len)``.

    ``logits`` are the unnormalized joint outputs (B, T, U+1, V); the log-softmax is fused into the
    loss. Returns the batch mean of the per-utterance losses (``reduction="mean"``), as warprnnt.
    """

    def __init__(
        self, blank: int = 0, reduction: str = "mean", clamp: float = -1.0
    ) -> None:
        super().__init__()
        self.blank = blank
        self.reduction = reduction
        self.clamp = clamp

    def forward(
        self,
        logits: torch.Tensor,
        targets: torch.Tensor,
        logit_lengths: torch.Tensor,
        target_lengths: torch.Tensor,
    ) -> torch.Tensor:
        import torchaudio.functional

        logit_lengths = logit_lengths.to(device=logits.device, dtype=torch.int32)
        target_lengths = target_lengths.to(device=logits.device, dtype=torch.int32)
        # torchaudio insists that the padded sizes equal the longest lengths.
        max_t, max_u = int(logit_lengths.max()), int(target_lengths.max())
        logits = logits[:, :max_t, : max_u + 1]
        targets = targets[:, :max_u].to(device=logits.device, dtype=torch.int32)
        with fp32_region(
            logits.device
        ):  # the joint network may run in bf16; the loss not
            return torchaudio.functional.rnnt_loss(
                logits.float().contiguous(),
                targets.contiguous(),
                logit_lengths,
                target_lengths,
                blank=self.blank,
                clamp=self.clamp,
                reduction=self.reduction,
            )


class BigSSLTransducerModel(ESPnetASRModel):
    """ESPnet's transducer model (encoder + LSTM prediction net + joint net + optional CTC), torchaudio loss.

    Takes ``ESPnetASRModel``'s arguments (``model_conf``). ``decoder`` must be ESPnet's
    ``transducer`` decoder and ``joint_network`` given (``ASRTask.build_model`` does both for
    ``decoder: transducer``). ``report_cer``/``report_wer`` run ESPnet's transducer beam search on
    every validation batch (slow on CPU); with them off, ``report_cer_ctc`` still reports the
    auxiliary CTC's greedy CER (``cer_ctc``), which costs nothing.
    """

    def __init__(
        self,
        *,
        decoder: Optional[torch.nn.Module],
        joint_network: Optional[torch.nn.Module],
        ctc_weight: float = 0.3,
        report_cer: bool = False,
        report_wer: bool = False,
        report_cer_ctc: bool = True,
        sym_space: str = "<space>",
        sym_blank: str = "<blank>",
        transducer_multi_blank_durations: Sequence[int] = (),
        **kwargs,  # noqa: ANN003 - the rest of ESPnetASRModel's arguments
    ) -> None:
        if joint_network is None or decoder is None:
            raise ValueError(
                f"model: {TRANSDUCER_MODEL_NAME} needs decoder: transducer (and joint_net_conf)"
            )
        if transducer_multi_blank_durations:
            raise ValueError(
                f"model: {TRANSDUCER_MODEL_NAME} does not support multi-blank transducers"
            )
        # Without a joint network the parent takes its attention-decoder branch, which needs
        # nothing but a decoder module and never imports warprnnt_pytorch.
        super().__init__(
            decoder=decoder,
            joint_network=None,
            ctc_weight=ctc_weight,
            report_cer=False,
            report_wer=False,
            sym_space=sym_space,
            sym_blank=sym_blank,
            **kwargs,
        )
        # Undo what that branch set up, then set up the parent's transducer branch.
        del self.criterion_att
        self.use_transducer_decoder = True
        self.decoder = decoder
        self.joint_network = joint_network
        self.criterion_transducer = TorchaudioRNNTLoss(blank=self.blank_id)
        self.error_calculator = None
        self.error_calculator_trans = None
        if report_cer or report_wer:
            self.error_calculator_trans = ErrorCalculatorTransducer(
                decoder,
                joint_network,
                self.token_list,
                sym_space,
                sym_blank,
                report_cer=report_cer,
                report_wer=report_wer,
            )
        elif self.ctc is not None:
            self.error_calculator = ErrorCalculator(
                self.token_list, sym_space, sym_blank, report_cer_ctc, False
            )


def register_model_choices() -> None:
    """Add ``bigssl_transducer`` to ESPnet's ASR ``model_choices`` (idempotent).

    ``ASRTask.build_model`` looks the class up in the module-level ``espnet2.tasks.asr.model_choices``,
    which is also the object in ``ASRTask.class_choices_list`` that defines ``--model``; registering
    into it makes the name parse, build and reload everywhere, stock ``Speech2Text`` included. Any
    process that loads such a model must import bigssl's ASR task (or call this) first.
    """
    from espnet2.tasks import asr

    asr.model_choices.classes.setdefault(TRANSDUCER_MODEL_NAME, BigSSLTransducerModel)
