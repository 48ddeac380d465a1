"""Adaptive SpecAugment: ESPnet's ``SpecAug`` with length-adaptive time masks (the NST noise).

ESPnet's ``SpecAug`` draws a fixed number of time masks per batch, sized relative to the *padded*
length. The noisy student recipes BigSSL follows (Park et al., 2020a, "SpecAugment on Large Scale
Datasets", ICASSP, arXiv 1912.05533: adaptive masking; Park et al., 2020b, "Improved Noisy Student
Training for ASR", arXiv 2005.09629; Zhang et al., 2020, "Pushing the Limits of Semi-Supervised
Learning for ASR", arXiv 2010.10504, which BigSSL's NST setup continues) make the time masks grow
with each utterance's own length tau (frames):

* size: each mask's width t ~ U{0, ..., floor(p_S * tau)}, start t0 ~ U{0, ..., tau - t};
* multiplicity: ``min(max_num_time_mask, floor(p_M * tau))`` masks per utterance.

Defaults: two frequency masks with F = 27 and time masks with p_S = 0.05, at most 10 of them
(Zhang et al. 2020 / Park et al. 2020b use two frequency masks with F = 27 and ten time masks with
maximum time-mask ratio p_S = 0.05); the multiplicity ratio p_M = 0.04 is the adaptive-multiplicity
value of Park et al. 2020a's LibriSpeech policy. These values come from the papers as recalled; the
papers' text could not be re-read offline to confirm them. Time warping is off by default: those
papers describe only frequency and time masks.

Frequency masks and time warping are ESPnet's own modules (``MaskAlongAxis``, ``TimeWarp``); note
ESPnet's ``freq_mask_width_range`` upper bound is exclusive (``[0, 27]`` draws widths 0..26).
Use it with ``specaug: adaptive_specaug`` (registered by :func:`register_specaug_choices`).
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import torch
from espnet2.asr.specaug.specaug import SpecAug


class AdaptiveTimeMask(torch.nn.Module):
    """Per-utterance time masks whose count and width scale with the utterance's valid length."""

    def __init__(
        self,
        width_ratio: float = 0.05,
        count_ratio: float = 0.04,
        max_num_mask: int = 10,
        replace_with_zero: bool = True,
    ) -> None:
        super().__init__()
        if not 0.0 < width_ratio <= 1.0:
            raise ValueError(f"time_mask_width_ratio must be in (0, 1]: {width_ratio}")
        if count_ratio < 0.0 or max_num_mask < 0:
            raise ValueError(
                f"time_mask_count_ratio and max_num_time_mask must be >= 0: {count_ratio}, {max_num_mask}"
            )
        self.width_ratio = width_ratio
        self.count_ratio = count_ratio
        self.max_num_mask = max_num_mask
        self.replace_with_zero = replace_with_zero

    def extra_repr(self) -> str:
        return f"width_ratio={self.width_ratio}, count_ratio={self.count_ratio}, max_num_mask={self.max_num_mask}"

    def num_masks(self, lengths: torch.Tensor) -> torch.Tensor:
        """min(max_num_mask, floor(count_ratio * length)) for each utterance."""
        return torch.clamp(
            torch.floor(self.count_ratio * lengths.double()), max=self.max_num_mask
        ).long()

    def make_mask(self, lengths: torch.Tensor, max_len: int) -> torch.Tensor:
        """(B, max_len) boolean mask of the frames to blank; never beyond each length."""
        batch, slots = lengths.numel(), self.max_num_mask
        device = lengths.device
        if slots == 0 or max_len == 0:
            return torch.zeros(batch, max_len, dtype=torch.bool, device=device)
        lens = lengths.double()[:, None]  # (B, 1)
        max_width = torch.floor(self.width_ratio * lens)  # (B, 1)
        width = torch.floor(
            torch.rand(batch, slots, device=device, dtype=torch.float64)
            * (max_width + 1)
        )
        start = torch.floor(
            torch.rand(batch, slots, device=device, dtype=torch.float64)
            * (lens - width + 1)
        )
        active = (
            torch.arange(slots, device=device)[None, :]
            < self.num_masks(lengths)[:, None]
        )  # (B, slots)
        frames = torch.arange(max_len, device=device, dtype=torch.float64)[
            None, None, :
        ]
        hit = (
            (start[..., None] <= frames)
            & (frames < (start + width)[..., None])
            & active[..., None]
        )
        return hit.any(dim=1)

    def forward(
        self, spec: torch.Tensor, spec_lengths: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        if spec.dim() != 3:
            raise ValueError(
                f"adaptive time masking expects (batch, time, freq) features, got shape {tuple(spec.shape)}"
            )
        batch, max_len = spec.shape[0], spec.shape[1]
        if spec_lengths is None:
            lengths = torch.full(
                (batch,), max_len, dtype=torch.long, device=spec.device
            )
        else:
            lengths = spec_lengths.to(spec.device).long().clamp(min=0, max=max_len)
        mask = self.make_mask(lengths, max_len)[:, :, None]
        value = 0.0 if self.replace_with_zero else spec.mean()
        spec = (
            spec.masked_fill(mask, value)
            if spec.requires_grad
            else spec.masked_fill_(mask, value)
        )
        return spec, spec_lengths


class AdaptiveSpecAug(SpecAug):
    """``SpecAug`` whose time masks are adaptive (see the module docstring); identity in eval mode."""

    def __init__(
        self,
        apply_time_warp: bool = False,
        time_warp_window: int = 5,
        time_warp_mode: str = "bicubic",
        apply_freq_mask: bool = True,
        freq_mask_width_range: Union[int, Sequence[int]] = (0, 27),
        num_freq_mask: int = 2,
        apply_time_mask: bool = True,
        time_mask_width_ratio: float = 0.05,
        time_mask_count_ratio: float = 0.04,
        max_num_time_mask: int = 10,
        replace_with_zero: bool = True,
    ) -> None:
        if not (apply_time_warp or apply_freq_mask or apply_time_mask):
            raise ValueError(
                "Either one of time_warp, time_mask, or freq_mask should be applied"
            )
        # The parent builds the warp and frequency-mask pieces; its own (fixed-count) time mask is
        # replaced below. It refuses a config with nothing to apply, so give it a frequency mask to
        # build when only the adaptive time mask is wanted, and drop it again.
        super().__init__(
            apply_time_warp=apply_time_warp,
            time_warp_window=time_warp_window,
            time_warp_mode=time_warp_mode,
            apply_freq_mask=apply_freq_mask or not apply_time_warp,
            freq_mask_width_range=freq_mask_width_range,
            num_freq_mask=num_freq_mask,
            apply_time_mask=False,
            replace_with_zero=replace_with_zero,
        )
        if not apply_freq_mask:
            self.apply_freq_mask, self.freq_mask = False, None
        self.apply_time_mask = apply_time_mask
        self.time_mask = (
            AdaptiveTimeMask(
                time_mask_width_ratio,
                time_mask_count_ratio,
                max_num_time_mask,
                replace_with_zero,
            )
            if apply_time_mask
            else None
        )

    def forward(self, x: torch.Tensor, x_lengths: Optional[torch.Tensor] = None):
        if not self.training:
            return x, x_lengths
        return super().forward(x, x_lengths)


def register_specaug_choices() -> None:
    """Add ``adaptive_specaug`` to ESPnet's ASR ``specaug_choices`` (idempotent).

    ``ASRTask.build_model`` (used by training and by stock ``Speech2Text`` at decoding time) looks
    the class up in the module-level ``espnet2.tasks.asr.specaug_choices``, which is also the object
    in ``ASRTask.class_choices_list`` that defines ``--specaug``; registering into that one object
    makes the name parse, build and reload everywhere. Any process that loads a model trained with
    it must import this module first.
    """
    from espnet2.tasks import asr

    asr.specaug_choices.classes.setdefault("adaptive_specaug", AdaptiveSpecAug)
