"""wav2vec 2.0 pretraining of an ESPnet encoder (the BigSSL recipe's first stage).

speech -> frontend (log-mel) -> [specaug] -> [normalize] -> encoder.embed up to its linear layer
(z, 4x subsampled) -> span masking -> positional encoding + encoder blocks (context c) ->
contrastive loss of c against targets computed from the unmasked z (linear projection or
Gumbel quantizer). The encoder is a stock ESPnet encoder, so ``encoder.*`` of this model's
state_dict loads as-is into an ESPnet ASR model (``--init_param <pth>:encoder:encoder``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Tuple

import torch
from espnet2.asr.encoder.abs_encoder import AbsEncoder
from espnet2.asr.frontend.abs_frontend import AbsFrontend
from espnet2.asr.specaug.abs_specaug import AbsSpecAug
from espnet2.layers.abs_normalize import AbsNormalize
from espnet2.torch_utils.device_funcs import force_gatherable
from espnet2.train.abs_espnet_model import AbsESPnetModel

from bigssl.ssl.contrastive import ContrastiveLoss
from bigssl.ssl.encoder_io import check_encoder, contextualize, subsample
from bigssl.ssl.masking import SpanMasking
from bigssl.ssl.targets import AbsTarget
from bigssl.training.guards import all_ranks_finite, nonfinite_error


class Wav2Vec2PretrainModel(AbsESPnetModel):
    """Masked contrastive pretraining; ``forward`` returns (loss, stats, weight) for ESPnet.

    Args:
        frontend: waveform -> features (None: the data loader gives features).
        specaug: optional augmentation of the features (training only).
        normalize: optional feature normalization (e.g. GlobalMVN from collect_stats).
        encoder: ESPnet Conformer/Transformer encoder with a conv2d subsampling input layer.
        masking: span masking with the learned mask embedding.
        target: target module (linear projection or quantizer) applied to the unmasked z.
        loss: contrastive loss with its context projection.
        extract_feats_in_collect_stats: run the frontend in --collect_stats (for GlobalMVN).
        check_finite: raise :class:`~bigssl.training.guards.NonFiniteLossError` on a NaN/inf loss.

    Stats per step: loss, loss_contrastive, acc (positive picked over all distractors),
    mask_frac (share of valid frames masked) and, with the quantizer, loss_diversity, code_ppl,
    prob_ppl, code_usage and gumbel_temp. The weight is the number of scored masked frames.
    """

    def __init__(
        self,
        frontend: Optional[AbsFrontend],
        specaug: Optional[AbsSpecAug],
        normalize: Optional[AbsNormalize],
        encoder: AbsEncoder,
        masking: SpanMasking,
        target: AbsTarget,
        loss: ContrastiveLoss,
        extract_feats_in_collect_stats: bool = True,
        check_finite: bool = True,
    ) -> None:
        super().__init__()
        check_encoder(encoder)
        self.frontend = frontend
        self.specaug = specaug
        self.normalize = normalize
        self.encoder = encoder
        self.masking = masking
        self.target = target
        self.loss = loss
        self.extract_feats_in_collect_stats = extract_feats_in_collect_stats
        self.check_finite = check_finite
        # Training forward passes so far; saved in checkpoints, so it survives --resume.
        self.register_buffer("num_steps", torch.zeros((), dtype=torch.long))
        # Set by the task to the experiment dir, for the non-finite-loss message.
        self.output_dir: Optional[Path] = None
        self._buffer_dtype = torch.float32

    def forward(
        self, speech: torch.Tensor, speech_lengths: torch.Tensor, **kwargs: torch.Tensor
    ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor], torch.Tensor]:
        """Compute the pretraining loss of a batch of waveforms (B, L) or features (B, L, F)."""
        feats, feats_lengths = self._extract_feats(speech, speech_lengths)
        if self.specaug is not None and self.training:
            feats, feats_lengths = self.specaug(feats, feats_lengths)
        if self.normalize is not None:
            feats, feats_lengths = self.normalize(feats, feats_lengths)
        feats = feats.to(self._encoder_dtype())

        z, frame_masks = subsample(self.encoder, feats, feats_lengths)
        valid = frame_masks[:, 0, :]
        lengths = valid.sum(dim=1)
        step = int(self.num_steps.item())

        target = self.target(z, valid, step)
        generator = self._rank_generator(z.device)
        masked_z, span_mask = self.masking(z, lengths, generator)
        context = contextualize(self.encoder, masked_z, frame_masks)
        contrast = self.loss(context, target.targets, span_mask, generator)

        loss = contrast.loss
        if target.aux_loss is not None:
            loss = loss + target.aux_loss
        stats: Dict[str, torch.Tensor] = {
            "loss": loss.detach(),
            "loss_contrastive": contrast.loss.detach(),
            "acc": contrast.accuracy,
            "mask_frac": span_mask.sum() / lengths.sum().clamp(min=1),
        }
        stats.update(target.stats)

        # Every rank makes each training forward; eval forwards (validation, rank 0's attention
        # plots) check this rank only, so an eval forward never waits on a collective.
        if self.check_finite and not all_ranks_finite(loss, across_ranks=self.training):
            values = {k: float(stats[k]) for k in ("loss", "loss_contrastive")}
            if "loss_diversity" in stats:
                values["loss_diversity"] = float(stats["loss_diversity"])
            raise nonfinite_error(step, self.training, values, self.output_dir)
        if self.training:
            self.num_steps += 1

        weight = max(contrast.num_frames, 1)
        loss, stats, weight = force_gatherable((loss, stats, weight), loss.device)
        return loss, stats, weight

    def collect_feats(
        self, speech: torch.Tensor, speech_lengths: torch.Tensor, **kwargs: torch.Tensor
    ) -> Dict[str, torch.Tensor]:
        """Frontend features for --collect_stats (GlobalMVN statistics)."""
        feats, feats_lengths = self._extract_feats(speech, speech_lengths)
        return {"feats": feats, "feats_lengths": feats_lengths}

    def encode(
        self, speech: torch.Tensor, speech_lengths: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Unmasked encoder output (B, T', d) and lengths, as an ASR model would compute them."""
        feats, feats_lengths = self._extract_feats(speech, speech_lengths)
        if self.normalize is not None:
            feats, feats_lengths = self.normalize(feats, feats_lengths)
        out, out_lengths, _ = self.encoder(
            feats.to(self._encoder_dtype()), feats_lengths
        )
        return out, out_lengths

    def _extract_feats(
        self, speech: torch.Tensor, speech_lengths: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        speech = speech[:, : int(speech_lengths.max())]
        if self.frontend is None:
            return speech, speech_lengths
        # The frontend's STFT and mel matrix (an fp32 buffer) run in fp32 even when DeepSpeed's
        # bf16 mode hands the model bf16 audio and bf16 weights; the encoder gets its own dtype.
        return self.frontend(speech.float(), speech_lengths)

    def _rank_generator(self, device: torch.device) -> Optional[torch.Generator]:
        """Under DDP, this rank's RNG for one batch's masks and distractors (None in one process).

        ESPnet reseeds every rank with the same seed at each epoch, so draws from the global RNG
        would repeat the same mask pattern on every rank. Each batch draws one number from the
        global RNG (the same on all ranks, so they stay in step) and seeds this rank's stream
        with it and the rank: different across ranks, reproducible from the global seed.
        """
        dist = torch.distributed
        if not (dist.is_available() and dist.is_initialized()):
            return None
        if dist.get_world_size() == 1:
            return None
        draw = int(torch.randint(0, 2**62, (1,)))
        generator = torch.Generator(device=device)
        generator.manual_seed(draw + dist.get_rank())
        return generator

    def _encoder_dtype(self) -> torch.dtype:
        """The encoder weights' dtype; its floating buffers (BatchNorm statistics) follow it.

        DeepSpeed's bf16 mode casts parameters, not buffers, and the Conformer's convolution
        module's BatchNorm refuses bf16 input with fp32 running statistics.
        """
        dtype = next(self.encoder.parameters()).dtype
        if dtype != self._buffer_dtype:
            for module in self.encoder.modules():
                for name, buffer in module.named_buffers(recurse=False):
                    if buffer is not None and buffer.is_floating_point():
                        module._buffers[name] = buffer.to(dtype)
            self._buffer_dtype = dtype
        return dtype
