"""Training cost from a fake exp dir: steps run and audio processed, counted, not guessed."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import pytest
import soundfile
import torch
import yaml

from bigssl.bin import train_summary
from bigssl.training.summary import (
    audio_per_batch,
    parse_train_sampler,
    summarize,
    timespan_seconds,
    utterance_seconds,
)

RATE = 100  # Hz: long utterances in small files


def _data_dir(
    root: Path, seconds: Dict[str, int], groups: Optional[Dict[str, str]] = None
) -> Path:
    data = root / "data"
    (data / "wav").mkdir(parents=True)
    lines = []
    for utt, sec in seconds.items():
        path = data / "wav" / f"{utt}.wav"
        soundfile.write(path, np.zeros(sec * RATE, dtype=np.int16), RATE)
        lines.append(f"{utt} {path}\n")
    (data / "wav.scp").write_text("".join(lines))
    if groups:
        (data / "utt2group").write_text(
            "".join(f"{u} {g}\n" for u, g in groups.items())
        )
    return data


def _exp(root: Path, config: Dict[str, object], log: str) -> Path:
    exp = root / "exp"
    exp.mkdir()
    (exp / "config.yaml").write_text(yaml.safe_dump(config))
    (exp / "train.log").write_text(log)
    return exp


def _epoch_line(epoch: int, count: int, train_time: str, valid_time: str) -> str:
    return (
        f"[vm] 2026-11-25 20:08:25,240 (trainer:394) INFO: {epoch}epoch results: [train] iter_time=0.003, "
        f"loss_ctc=112.192, train_time=0.321, time={train_time}, total_count={count}, "
        f"[valid] loss_ctc=83.047, time={valid_time}, total_count=14\n"
    )


def test_numel_run_counts_completed_epochs_from_the_log(tmp_path: Path) -> None:
    data = _data_dir(tmp_path, {"a": 600, "b": 1200, "c": 1800, "d": 2400})
    log = (
        "INFO: [train] Batch sampler: NumElementsBatchSampler(N-batch=3, batch_bins=300000, "
        "sort_in_batch=descending, sort_batch=descending)\n"
        "INFO: [valid] Batch sampler: NumElementsBatchSampler(N-batch=14, batch_bins=300000, "
        "sort_in_batch=descending, sort_batch=descending)\n"
        + _epoch_line(1, 3, "1 minute and 0.5 seconds", "9.5 seconds")
        # the run was killed and resumed: the log is appended to
        + "INFO: [train] Batch sampler: NumElementsBatchSampler(N-batch=2, batch_bins=300000, "
        "sort_in_batch=descending, sort_batch=descending)\n"
        + _epoch_line(1, 2, "1 minute and 0.5 seconds", "9.5 seconds")
        + "INFO: 2epoch:train:1-20batch: iter_time=0.003, loss_ctc=172.305\n"
        + _epoch_line(2, 4, "50 seconds", "10 seconds")
    )
    config = {"batch_type": "numel", "batch_bins": 300000, "accum_grad": 2}
    exp = _exp(tmp_path, {**config, "max_epoch": 12, "ngpu": 0}, log)
    summary = summarize(exp, data, wall_seconds=9999.0)
    audio = 4 * 6000 / 2  # 4 batches of (6000 s of data / 2 batches)
    assert summary == {
        "train_hours": round(6000 / 3600, 3),
        "epochs": 2,
        "batches_per_epoch": 2,
        "batches": 4,
        "steps": 2,  # 2 batches per epoch, accum_grad 2
        "audio_hours_processed": round(audio / 3600, 3),
        "data_passes": 2.0,
        "parameters_M": None,
        "wall_hours": round(130 / 3600, 3),
        "audio_sec_per_sec": round(audio / 130, 1),
        "train_gflop_per_audio_sec": None,  # no conformer encoder in this config
        "ngpu": 0,
    }
    assert json.loads((exp / "train_summary.json").read_text()) == summary


def test_mixed_fixed_batch_run_with_num_iters_per_epoch(tmp_path: Path) -> None:
    seconds = {"a": 600, "b": 1200, "c": 1800, "d": 2400, "e": 1200}
    groups = {"a": "labeled", "b": "labeled", "c": "pseudo", "d": "pseudo"}
    data = _data_dir(tmp_path, seconds, {**groups, "e": "pseudo"})
    log = (
        "INFO: [train] Batch sampler: MixedBatchSampler(N-batch=2, batch_size=3, labeled=1, pseudo=2, "
        "shape_file=x/speech_shape, utt2group_file=x/utt2group, seed=0)\n"
    )
    config = {"batch_type": "unsorted", "batch_size": 3, "num_iters_per_epoch": 5}
    exp = _exp(tmp_path, {**config, "max_epoch": 4, "ngpu": 1}, log)
    stats = {
        epoch: {
            "train": {
                "time": datetime.timedelta(seconds=100),
                "total_count": 5 * epoch,
            },
            "valid": {"time": datetime.timedelta(seconds=20), "total_count": 1},
        }
        for epoch in (1, 2, 3)
    }
    torch.save({"reporter": {"stats": stats}}, exp / "checkpoint.pth")
    torch.save({"w": torch.zeros(1000, 500)}, exp / "latest.pth")
    summary = summarize(exp, data, wall_seconds=9999.0)
    # per batch: 1 labeled x 900 s + (3 pseudo / ceil(3 / 2) batches) x 1800 s = 3600 s
    assert summary == {
        "train_hours": 2.0,
        "epochs": 3,
        "batches_per_epoch": 5,
        "batches": 15,
        "steps": 15,
        "audio_hours_processed": 15.0,
        "data_passes": 7.5,
        "parameters_M": 0.5,
        "wall_hours": 0.1,
        "audio_sec_per_sec": 150.0,
        "train_gflop_per_audio_sec": None,
        "ngpu": 1,
    }


def test_unsorted_run_without_epoch_records_falls_back_to_max_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    data = _data_dir(tmp_path, {"a": 600, "b": 1200, "c": 1800, "d": 2400, "e": 1200})
    log = "INFO: [train] Batch sampler: UnsortedBatchSampler(N-batch=2, batch_size=2, key_file=x, )\n"
    config = {"batch_type": "unsorted", "batch_size": 2, "num_iters_per_epoch": 7}
    exp = _exp(tmp_path, {**config, "max_epoch": 3, "accum_grad": 2}, log)
    train_summary.main(
        ["--exp_dir", str(exp), "--data_dir", str(data), "--wall_seconds", "3600"]
    )
    summary = json.loads(capsys.readouterr().out)
    # batches of 2 and 3 utterances: one pass over the list is all 7200 s in 2 batches
    assert summary["batches"] == 21 and summary["steps"] == 9  # 3 x floor(7 / 2)
    assert summary["audio_hours_processed"] == 21 * 3600 / 3600
    assert summary["audio_sec_per_sec"] == 21.0 and summary["wall_hours"] == 1.0


def test_parsers() -> None:
    assert timespan_seconds("1 hour, 2 minutes and 5.5 seconds") == 3725.5
    assert timespan_seconds("1 day and 1 hour") == 90000.0
    assert parse_train_sampler("no sampler here") is None


def test_an_audio_file_listed_twice_counts_once(tmp_path: Path) -> None:
    data = _data_dir(tmp_path, {"a": 600, "b": 1200, "c": 1800})
    wav = data / "wav"
    (data / "wav.scp").write_text(
        f"a {wav}/a.wav\nb {wav}/b.wav\nc {wav}/c.wav\nc2 {wav}/c.wav\n"
    )
    (data / "utt2group").write_text("a labeled\nb pseudo\nc pseudo\nc2 pseudo\n")
    sampler = parse_train_sampler(
        "[train] Batch sampler: MixedBatchSampler(N-batch=2, batch_size=3, labeled=1, pseudo=2, "
        "seed=0, bucketed=True, length_jitter=0.1)"
    )
    durations, total = utterance_seconds(data)
    assert total == 3600 and durations["c2"] == 1800
    # 1 labeled (600 s) + 3 pseudo over ceil(3 / 2) = 2 batches (1.5 each) of mean 1600 s
    assert audio_per_batch(sampler, {}, durations, data) == 600 + 1.5 * 1600
