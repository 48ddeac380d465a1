"""Adaptive SpecAugment: time masks that grow with each utterance's own length."""

from __future__ import annotations

import pytest
import torch

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from bigssl.asr.specaug import (  # noqa: E402
    AdaptiveSpecAug,
    AdaptiveTimeMask,
    register_specaug_choices,
)

PAD = 7.0


def _batch(lengths, feat: int = 80):
    """Ones on valid frames, PAD on padded frames."""
    x = torch.full((len(lengths), max(lengths), feat), PAD)
    for i, n in enumerate(lengths):
        x[i, :n] = 1.0
    return x, torch.tensor(lengths)


def _segments(row: torch.Tensor) -> int:
    """Number of maximal runs of masked (zero) frames."""
    masked = (row == 0).int()
    return int(masked[0]) + int(((masked[1:] - masked[:-1]) == 1).sum())


def _time_only(**kw) -> AdaptiveSpecAug:
    return AdaptiveSpecAug(apply_freq_mask=False, apply_time_warp=False, **kw)


def test_long_utterances_get_more_masks_than_short_ones() -> None:
    torch.manual_seed(0)
    aug = _time_only()
    x, lengths = _batch([1000, 100] * 100, feat=4)
    y, _ = aug(x, lengths)
    frames = (y[..., 0] == 0).sum(dim=1).double()
    long_frac, short_frac = frames[0::2].mean() / 1000, frames[1::2].mean() / 100
    segs = [_segments(y[i, :, 0]) for i in range(len(y))]
    long_segs, short_segs = sum(segs[0::2]) / 100, sum(segs[1::2]) / 100
    # 1000 frames: 10 masks (capped) of up to 50 frames; 100 frames: 4 masks of up to 5 frames.
    assert long_segs > 2 * short_segs
    assert (
        long_frac > 1.5 * short_frac
    )  # masked share grows with the count, not only the width
    assert short_segs <= 4 and max(segs[0::2]) <= 10


def test_mask_count_formula_and_cap() -> None:
    mask = AdaptiveTimeMask(width_ratio=0.05, count_ratio=0.04, max_num_mask=10)
    assert mask.num_masks(torch.tensor([0, 24, 25, 99, 100, 250, 5000])).tolist() == [
        0,
        0,
        1,
        3,
        4,
        10,
        10,
    ]


def test_masks_stay_inside_valid_frames_and_widths_are_bounded() -> None:
    torch.manual_seed(1)
    lengths = [400, 37, 123, 260, 1]
    aug = _time_only(
        time_mask_count_ratio=0.5, max_num_time_mask=1
    )  # one mask each: its width is visible
    for _ in range(200):
        x, lens = _batch(lengths, feat=3)
        y, out_lens = aug(x, lens)
        assert torch.equal(out_lens, lens)
        for i, n in enumerate(lengths):
            assert torch.all(y[i, n:] == PAD), "a mask touched padded frames"
            masked = int((y[i, :n, 0] == 0).sum())
            assert masked <= int(0.05 * n)
            assert _segments(y[i, :n, 0]) <= 1


def test_many_masks_never_touch_padding() -> None:
    torch.manual_seed(2)
    aug = AdaptiveSpecAug(
        apply_time_warp=False,
        apply_freq_mask=False,
        time_mask_width_ratio=0.3,
        time_mask_count_ratio=1.0,
        max_num_time_mask=50,
    )
    x, lens = _batch([300, 40, 5, 299], feat=2)
    y, _ = aug(x, lens)
    for i, n in enumerate(lens.tolist()):
        assert torch.all(y[i, n:] == PAD)
    assert (y[0, :300] == 0).any()


def test_eval_mode_is_identity_and_shape_is_kept() -> None:
    torch.manual_seed(3)
    aug = AdaptiveSpecAug(apply_time_warp=True)
    x, lens = torch.randn(3, 500, 80), torch.tensor([500, 420, 300])
    y, out_lens = aug(x.clone(), lens)
    assert y.shape == x.shape and torch.equal(out_lens, lens)
    assert not torch.equal(y, x)
    aug.eval()
    y, out_lens = aug(x.clone(), lens)
    assert torch.equal(y, x) and torch.equal(out_lens, lens)


def test_freq_masks_default_to_paper_width() -> None:
    aug = AdaptiveSpecAug()
    assert aug.freq_mask.mask_width_range == (0, 27) and aug.freq_mask.num_mask == 2
    assert aug.time_warp is None
    assert (
        aug.time_mask.width_ratio,
        aug.time_mask.count_ratio,
        aug.time_mask.max_num_mask,
    ) == (0.05, 0.04, 10)


def test_lengths_none_uses_full_length_and_gradients_flow() -> None:
    torch.manual_seed(4)
    x = torch.ones(2, 300, 4, requires_grad=True)
    y, lens = _time_only()(x, None)
    assert lens is None and (y == 0).any()
    y.sum().backward()
    assert x.grad is not None


def test_nothing_to_apply_is_refused() -> None:
    with pytest.raises(ValueError):
        AdaptiveSpecAug(
            apply_time_warp=False, apply_freq_mask=False, apply_time_mask=False
        )


def test_registered_in_asr_task_choices_and_builds_from_config() -> None:
    from espnet2.tasks.asr import ASRTask

    register_specaug_choices()
    parser = ASRTask.get_parser()
    args = parser.parse_args(
        ["--specaug", "adaptive_specaug", "--output_dir", "x", "--token_list", "x"]
    )
    from espnet2.tasks.asr import specaug_choices

    cls = specaug_choices.get_class(args.specaug)
    assert cls is AdaptiveSpecAug
    assert isinstance(
        cls(**{"time_mask_count_ratio": 0.02, "freq_mask_width_range": [0, 10]}),
        AdaptiveSpecAug,
    )
