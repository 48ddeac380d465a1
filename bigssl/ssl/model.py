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
import torch.nn.functional as F
from espnet2.asr.encoder.abs_encoder import AbsEncoder
from espnet2.asr.frontend.abs_frontend import AbsFrontend
from espnet2.asr.specaug.abs_specaug import AbsSpecAug
from espnet2.layers.abs_normalize import AbsNormalize
from espnet2.torch_utils.device_funcs import force_gatherable
from espnet2.train.abs_espnet_model import AbsESPnetModel

from bigssl.ssl.contrastive import ContrastiveLoss
from bigssl.ssl.encoder_io import (
    check_encoder,
    contextualize,
    subsample,
    subsampled_length,
    use_channels_last,
)
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
        sync_free: no device-to-host sync in a training forward (:meth:`set_sync_free`); the
            same loss and gradients as the default path from the same seed.
        finite_check_interval: with ``sync_free``, training steps between non-finite checks.
        pad_to_multiple: pad each batch's feature frames to a multiple of this (e.g. 64) so that
            shapes repeat (cuDNN benchmark, torch.compile); lengths and masks exclude the pad.
        channels_last: conv2d subsampling in channels_last memory format (same outputs).

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
        sync_free: bool = False,
        finite_check_interval: int = 100,
        pad_to_multiple: int = 0,
        channels_last: bool = False,
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
        if finite_check_interval < 1:
            raise ValueError(
                f"finite_check_interval must be >= 1, not {finite_check_interval}"
            )
        self.finite_check_interval = finite_check_interval
        self.pad_to_multiple = pad_to_multiple
        self.channels_last = channels_last and use_channels_last(encoder)
        # Training forward passes so far; saved in checkpoints, so it survives --resume.
        self.register_buffer("num_steps", torch.zeros((), dtype=torch.long))
        # Set by the task to the experiment dir, for the non-finite-loss message.
        self.output_dir: Optional[Path] = None
        self._buffer_dtype = torch.float32
        # sync_free: a host copy of num_steps (read from the buffer once after a load) and the
        # non-finite flags of the steps since the last check (a device tensor).
        self._host_step: Optional[int] = 0
        self._nonfinite: Optional[torch.Tensor] = None
        self.register_load_state_dict_post_hook(_forget_host_step)
        self.sync_free = False
        self.set_sync_free(sync_free)

    def set_sync_free(self, enabled: bool = True) -> None:
        """Switch the sync-free loss, masking and stats on or off (``model_conf: sync_free``).

        Sync-free: no device-to-host read in a training forward (fixed-shape loss, frame count and
        stats as tensors, the step counted on the host, the batch not cut to its longest length,
        the loss checked for NaN/inf every ``finite_check_interval`` steps instead of every step).
        """
        self.sync_free = enabled
        self.loss.sync_free = enabled
        if hasattr(self.target, "sync_free"):
            self.target.sync_free = enabled

    def set_channels_last(self, enabled: bool = True) -> bool:
        """conv2d subsampling in channels_last (``model_conf: channels_last``); returns whether
        it applies (False for a linear input layer)."""
        self.channels_last = enabled and use_channels_last(self.encoder)
        return self.channels_last

    def forward(
        self, speech: torch.Tensor, speech_lengths: torch.Tensor, **kwargs: torch.Tensor
    ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor], torch.Tensor]:
        """Compute the pretraining loss of a batch of waveforms (B, L) or features (B, L, F)."""
        feats, feats_lengths, unpadded = self._features(speech, speech_lengths)
        z, frame_masks = subsample(
            self.encoder, feats, feats_lengths, self.channels_last, unpadded
        )
        draw_length = (
            None if unpadded is None else subsampled_length(self.encoder, unpadded)
        )
        valid = frame_masks[:, 0, :]
        lengths = valid.sum(dim=1)
        step = self._step()

        target = self.target(z, valid, step)
        generator = self._rank_generator(z.device)
        masked_z, span_mask = self.masking(z, lengths, generator, draw_length)
        context = contextualize(self.encoder, masked_z, frame_masks)
        contrast = self.loss(context, target.targets, span_mask, generator, draw_length)

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
        self._check_finite(loss, stats, step)
        if self.training:
            self.num_steps += 1
            if self._host_step is not None:
                self._host_step += 1

        if isinstance(contrast.num_frames, torch.Tensor):
            weight = contrast.num_frames.clamp(min=1)
        else:
            weight = max(contrast.num_frames, 1)
        loss, stats, weight = force_gatherable((loss, stats, weight), loss.device)
        return loss, stats, weight

    def _features(
        self, speech: torch.Tensor, speech_lengths: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, Optional[int]]:
        """Encoder input features, their lengths and, with ``pad_to_multiple``, the frame count
        before padding (masks, distractors and valid frames follow it: padding changes none).
        """
        feats, feats_lengths = self._extract_feats(speech, speech_lengths)
        if self.specaug is not None and self.training:
            feats, feats_lengths = self.specaug(feats, feats_lengths)
        if self.normalize is not None:
            feats, feats_lengths = self.normalize(feats, feats_lengths)
        feats = feats.to(self._encoder_dtype())
        pad = (-feats.size(1)) % self.pad_to_multiple if self.pad_to_multiple > 1 else 0
        if pad == 0:
            return feats, feats_lengths, None
        return F.pad(feats, (0, 0, 0, pad)), feats_lengths, feats.size(1)

    def _step(self) -> int:
        """Training steps so far: from the buffer (a device read) or, sync-free, its host copy."""
        if not self.sync_free:
            return int(self.num_steps.item())
        if self._host_step is None:  # once after loading a checkpoint
            self._host_step = int(self.num_steps.item())
        return self._host_step

    def _check_finite(
        self, loss: torch.Tensor, stats: Dict[str, torch.Tensor], step: int
    ) -> None:
        """Raise on a non-finite loss: every step, or sync-free every ``finite_check_interval``
        training steps (the flags of the steps between are kept on the device; ESPnet skips the
        updates of non-finite gradients meanwhile)."""
        if not self.check_finite:
            return
        value = loss
        detail = ""
        if self.sync_free and self.training:
            bad = ~torch.isfinite(loss.detach())
            self._nonfinite = bad if self._nonfinite is None else self._nonfinite | bad
            if (step + 1) % self.finite_check_interval:
                return
            value = torch.where(self._nonfinite, float("nan"), 0.0)
            self._nonfinite = None
            detail = f"checked every {self.finite_check_interval} steps, at or before this one"
        # Every rank makes each training forward; eval forwards (validation, rank 0's attention
        # plots) check this rank only, so an eval forward never waits on a collective.
        if all_ranks_finite(value, across_ranks=self.training):
            return
        values = {k: float(stats[k]) for k in ("loss", "loss_contrastive")}
        if "loss_diversity" in stats:
            values["loss_diversity"] = float(stats["loss_diversity"])
        raise nonfinite_error(step, self.training, values, self.output_dir, detail)

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
        if (
            not self.sync_free
        ):  # cut padding beyond the longest utterance (a device read)
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


def _forget_host_step(module: Wav2Vec2PretrainModel, incompatible_keys: object) -> None:
    """After a state_dict load, re-read the step count from the loaded ``num_steps`` buffer."""
    module._host_step = None
