"""``max_steps: auto``: the annealing schedule's length derived from the data and the epochs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from bigssl.asr.schedule import resolve_auto_steps, steps_per_epoch  # noqa: E402
from bigssl.asr.task import BigSSLASRTask  # noqa: E402

# a 1:3 labeled:pseudo mix in unsorted batches of 4
MIXED = ("--nst_mix_ratio", "0.25", "--batch_type", "unsorted", "--batch_size", "4")


def _args(tmp_path: Path, *extra: str):  # type: ignore[no-untyped-def]
    data = tmp_path / "train"
    data.mkdir(exist_ok=True)
    lengths = {f"utt{i:03d}": 16000 + 1000 * i for i in range(40)}
    (data / "speech_shape").write_text(
        "".join(f"{u} {n}\n" for u, n in lengths.items())
    )
    (data / "wav.scp").write_text("".join(f"{u} /dev/null\n" for u in lengths))
    groups = "".join(
        f"{u} {'labeled' if i < 8 else 'pseudo'}\n" for i, u in enumerate(lengths)
    )
    (data / "utt2group").write_text(groups)
    argv = [
        "--output_dir", "unused", "--token_list", "unused",
        "--train_shape_file", str(data / "speech_shape"),
        "--train_data_path_and_name_and_type", f"{data}/wav.scp,speech,sound",
        "--scheduler", "tristagelr", "--scheduler_conf", "max_steps=auto",
        "--max_epoch", "3", *extra,
    ]  # fmt: skip
    return BigSSLASRTask.get_parser().parse_args(argv)


def test_numel_batches_times_epochs(tmp_path: Path) -> None:
    args = _args(tmp_path, "--batch_type", "numel", "--batch_bins", "200000")
    from espnet2.samplers.build_batch_sampler import build_batch_sampler

    per_epoch = steps_per_epoch(args)
    espnet_batches = build_batch_sampler(
        type="numel", batch_bins=200000, shape_files=args.train_shape_file, batch_size=1
    )
    assert per_epoch == len(espnet_batches) > 1
    assert resolve_auto_steps(args) == 3 * per_epoch
    assert args.scheduler_conf["max_steps"] == 3 * per_epoch


def test_mixed_sampler_and_num_iters_per_epoch(tmp_path: Path) -> None:
    args = _args(tmp_path, *MIXED)
    # 32 pseudo utterances, 3 per batch -> 11 batches in one pass (8 labeled: enough for one pass)
    assert steps_per_epoch(args) == 11
    assert resolve_auto_steps(args) == 33
    fixed = _args(tmp_path, "--num_iters_per_epoch", "7", "--accum_grad", "1")
    assert resolve_auto_steps(fixed) == 21


def test_explicit_step_counts_are_left_alone(tmp_path: Path) -> None:
    args = _args(tmp_path)
    args.scheduler_conf = {"max_steps": 500}
    assert resolve_auto_steps(args) is None and args.scheduler_conf == {
        "max_steps": 500
    }


def test_resolved_scheduler_anneals_to_its_final_scale(tmp_path: Path) -> None:
    import torch
    from espnet2.schedulers.tristage_lr import TristageLR

    args = _args(tmp_path, "--num_iters_per_epoch", "10")
    resolve_auto_steps(args)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = TristageLR(optimizer, **args.scheduler_conf)
    lrs = []
    for _ in range(args.scheduler_conf["max_steps"]):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    assert max(lrs) == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(0.01, rel=0.1)


def test_nst_epoch_is_one_pass_over_the_student_data(tmp_path: Path) -> None:
    from bigssl.asr.schedule import resolve_epoch_size

    args = _args(tmp_path, *MIXED)
    assert resolve_epoch_size(args) == 10  # 40 utterances / 4 per batch
    assert resolve_auto_steps(args) == 30 and args.num_iters_per_epoch == 10
    listed = _args(
        tmp_path,
        "--nst_mix_ratio",
        "0.25",
        "--batch_size",
        "4",
        "--nst_epoch_size",
        "batch_list",
    )
    assert resolve_epoch_size(listed) is None and listed.num_iters_per_epoch is None
    fixed = _args(tmp_path, "--nst_mix_ratio", "0.25", "--num_iters_per_epoch", "3")
    assert resolve_epoch_size(fixed) is None and fixed.num_iters_per_epoch == 3


def test_collecting_statistics_with_an_annealed_config_builds_its_scheduler(
    tmp_path: Path,
) -> None:
    """Stage 40 runs --collect_stats with the training config: ESPnet builds (never steps) the
    scheduler, so 'auto' must become a number there too (it was a TypeCheckError)."""
    import torch
    from espnet2.schedulers.tristage_lr import TristageLR

    args = _args(tmp_path, "--collect_stats", "true")
    assert resolve_auto_steps(args) is None
    assert isinstance(args.scheduler_conf["max_steps"], int)
    optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    TristageLR(optimizer, **args.scheduler_conf)
