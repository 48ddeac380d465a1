"""Record a finished training run's cost: data hours, steps run, audio processed, wall time, throughput.

Everything is counted from what the run did, not from ``max_epoch``: with ESPnet's
``--num_iters_per_epoch`` an "epoch" is that many batches (cycling through the batch list), so
``max_epoch x data hours`` says nothing about how much audio a run saw.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import soundfile
import yaml

from bigssl.io_utils import read_kv, write_text_atomic
from bigssl.training.flops import training_gflops_per_audio_second

# ESPnet's samplers whose batches hold a fixed number of utterances (``--batch_size``).
FIXED_SIZE_BATCH_TYPES = ("unsorted", "sorted")
MIXED_SAMPLER = (
    "MixedBatchSampler"  # bigssl.asr.mixing: labeled + pseudo utterances per batch
)

_SAMPLER_RE = re.compile(r"\[train\] Batch sampler: (\w+)\((.*)\)\s*$")
_EPOCH_RE = re.compile(r"(\d+)epoch results: (\[train\].*)$")
# ``time=<humanfriendly timespan>, total_count=N`` of one part (train or valid) of that line.
_PART_RE = re.compile(r"(?<!\w)time=(.*?), total_count=(\d+)")
_SPAN_UNITS = {"millisecond": 1e-3, "second": 1.0, "minute": 60.0, "hour": 3600.0}
_SPAN_UNITS.update(day=86400.0, week=604800.0)


@dataclass
class TrainSampler:
    """The train batch sampler as ESPnet logs it (``[train] Batch sampler: Name(N-batch=..., ...)``)."""

    name: str
    num_batches: int
    options: Dict[str, str]


@dataclass
class EpochRecord:
    """One completed epoch: cumulative train batches (ESPnet's ``total_count``) and its seconds."""

    total_count: int
    seconds: float


def parse_train_sampler(log_text: str) -> Optional[TrainSampler]:
    """The last ``[train] Batch sampler:`` line of a train.log (a resumed run appends; the list is seeded)."""
    found = None
    for line in log_text.splitlines():
        match = _SAMPLER_RE.search(line)
        if match:
            found = match
    if found is None:
        return None
    options = dict(
        item.strip().split("=", 1) for item in found.group(2).split(",") if "=" in item
    )
    return TrainSampler(found.group(1), int(options.pop("N-batch")), options)


def _seconds(value: object) -> float:
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())  # type: ignore[attr-defined]
    return float(value or 0.0)  # type: ignore[arg-type]


def epoch_records(exp_dir: Path) -> Dict[int, EpochRecord]:
    """Completed epochs, from ESPnet's reporter in ``checkpoint.pth`` (survives resumes), else train.log.

    ``seconds`` is the epoch's training plus validation time.
    """
    checkpoint = exp_dir / "checkpoint.pth"
    records: Dict[int, EpochRecord] = {}
    if checkpoint.is_file():
        import torch

        stats = torch.load(checkpoint, map_location="cpu", weights_only=False)[
            "reporter"
        ]["stats"]
        for epoch, parts in stats.items():
            if "train" in parts and "total_count" in parts["train"]:
                records[int(epoch)] = EpochRecord(
                    int(parts["train"]["total_count"]),
                    sum(
                        _seconds(parts.get(p, {}).get("time"))
                        for p in ("train", "valid")
                    ),
                )
        return records
    log = exp_dir / "train.log"
    if log.is_file():
        for line in log.read_text(errors="replace").splitlines():
            match = _EPOCH_RE.search(line)
            if not match:
                continue
            train, _, valid = match.group(2).partition("[valid]")
            part = _PART_RE.search(train)
            if part:
                other = _PART_RE.search(valid)
                records[int(match.group(1))] = EpochRecord(
                    int(part.group(2)),
                    timespan_seconds(part.group(1))
                    + (timespan_seconds(other.group(1)) if other else 0.0),
                )
    return records


def timespan_seconds(text: str) -> float:
    """Seconds in a humanfriendly timespan as ESPnet logs it (``1 hour, 2 minutes and 5.3 seconds``)."""
    return sum(
        float(number) * _SPAN_UNITS[unit]
        for number, unit in re.findall(
            r"([0-9.]+) (millisecond|second|minute|hour|day|week)s?", text
        )
    )


def epoch_seconds(exp_dir: Path) -> Optional[float]:
    """Training + validation time over all epochs, from ESPnet's reporter (survives resumes)."""
    records = epoch_records(exp_dir)
    return sum(r.seconds for r in records.values()) if records else None


def utterance_seconds(data_dir: Path) -> Tuple[Dict[str, float], float]:
    """(utterance -> seconds, total seconds of distinct audio files) of ``data_dir/wav.scp``.

    An audio file listed for several utterances counts once in the total.
    """
    by_path: Dict[str, float] = {}
    durations = {}
    for utt, path in read_kv(data_dir / "wav.scp").items():
        if path not in by_path:
            by_path[path] = soundfile.info(path).duration
        durations[utt] = by_path[path]
    return durations, sum(by_path.values())


def _mean(values: List[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def audio_per_batch(
    sampler: TrainSampler,
    config: Dict[str, object],
    durations: Dict[str, float],
    data_dir: Path,
) -> float:
    """Mean audio seconds in one training batch (see :func:`summarize` for the cases)."""
    seconds = list(durations.values())
    if sampler.name == MIXED_SAMPLER:
        labeled = int(sampler.options.get("labeled", 0))
        pseudo = int(sampler.options.get("pseudo", 0))
        groups_file = data_dir / "utt2group"
        if not groups_file.is_file() or not labeled or not pseudo:
            return int(sampler.options["batch_size"]) * _mean(seconds)
        groups = read_kv(groups_file, one_token=True)
        by_group = {
            g: [durations[u] for u, gg in groups.items() if gg == g and u in durations]
            for g in ("labeled", "pseudo")
        }
        num_pseudo = len(by_group["pseudo"])
        pseudo_per_batch = num_pseudo / math.ceil(num_pseudo / pseudo)
        return labeled * _mean(by_group["labeled"]) + pseudo_per_batch * _mean(
            by_group["pseudo"]
        )
    if config.get("batch_type") in FIXED_SIZE_BATCH_TYPES and config.get(
        "drop_last_iter"
    ):
        return int(config["batch_size"]) * _mean(seconds)  # type: ignore[arg-type]
    return sum(seconds) / sampler.num_batches


def _parameters(exp_dir: Path) -> Optional[int]:
    import torch

    for name in ("valid.loss.ave.pth", "valid.loss.best.pth", "latest.pth"):
        if (exp_dir / name).exists():
            state = torch.load(exp_dir / name, map_location="cpu", weights_only=True)
            return sum(v.numel() for v in state.values())
    return None


def _gflops(config: Dict[str, object]) -> Optional[float]:
    try:
        return round(training_gflops_per_audio_second(config), 3)
    except ValueError:
        return None


def _progress(
    records: Mapping[int, Any], config: Mapping[str, Any], per_epoch: Optional[int]
) -> Tuple[int, Optional[int], Optional[int]]:
    """(epochs, batches, optimizer steps) run: from ESPnet's epoch records (cumulative
    ``total_count``), else ``max_epoch`` x the batches per epoch."""
    accum = int(config.get("accum_grad") or 1)
    if records:
        counts = [records[e].total_count for e in sorted(records)]
        steps = sum((c - p) // accum for p, c in zip([0] + counts[:-1], counts))
        return max(records), counts[-1], steps
    epochs = int(config.get("max_epoch") or 0)
    if not per_epoch:
        return epochs, None, None
    return epochs, epochs * per_epoch, epochs * (per_epoch // accum)


def summarize(exp_dir: Path, data_dir: Path, wall_seconds: float) -> Dict[str, object]:
    """Summary of ``exp_dir``'s training; also written to ``exp_dir/train_summary.json``.

    * ``train_hours``: total duration of ``data_dir/wav.scp`` (each distinct audio file once).
    * ``epochs``: epochs completed (ESPnet reporter in ``checkpoint.pth``, else the
      ``Nepoch results:`` lines of train.log; ``max_epoch`` if neither has any).
    * ``batches_per_epoch``: ``num_iters_per_epoch`` when set, else the train sampler's ``N-batch``
      (train.log's ``[train] Batch sampler:`` line).
    * ``batches``: training batches run = ESPnet's cumulative ``total_count`` after the last
      completed epoch (else ``epochs x batches_per_epoch``).
    * ``steps``: optimizer updates = sum over epochs of ``floor(batches in epoch / accum_grad)``.
    * ``audio_hours_processed``: ``batches x audio per batch``, where audio per batch is
      - the mixing sampler (NST): ``labeled x mean labeled-utterance seconds + (P / ceil(P / pseudo))
        x mean pseudo-utterance seconds`` (``P``: pseudo utterances; groups from
        ``data_dir/utt2group``); the labeled utterances are used evenly and every pass holds each
        pseudo utterance once, so this is the batch list's mean.
        Without ``utt2group``: ``batch_size x mean utterance seconds``;
      - ESPnet's samplers (numel, length, folded, and unsorted/sorted without ``drop_last_iter``):
        ``total data seconds / N-batch`` (one pass over the batch list holds every utterance once);
      - unsorted/sorted with ``drop_last_iter``: ``batch_size x mean utterance seconds``.
    * ``data_passes``: ``audio_hours_processed / train_hours``.
    * ``wall_hours``: ESPnet's summed train + valid epoch times (a resumed run counts every epoch
      once), else ``wall_seconds``.
    * ``audio_sec_per_sec``: ``audio_hours_processed / wall_hours``.
    * ``train_gflop_per_audio_sec``: counted training FLOPs of the Conformer encoder and CTC head
      per audio second (``bigssl.training.flops``; None for other encoders).
    """
    config = yaml.safe_load((exp_dir / "config.yaml").read_text())
    log = exp_dir / "train.log"
    sampler = (
        parse_train_sampler(log.read_text(errors="replace")) if log.is_file() else None
    )
    records = epoch_records(exp_dir)
    if records:
        wall_seconds = sum(r.seconds for r in records.values()) or wall_seconds
    durations, total_seconds = utterance_seconds(data_dir)
    hours = total_seconds / 3600

    per_epoch = config.get("num_iters_per_epoch") or (
        sampler.num_batches if sampler else None
    )
    epochs, batches, steps = _progress(records, config, per_epoch)
    audio_hours = (
        batches * audio_per_batch(sampler, config, durations, data_dir) / 3600
        if sampler and batches is not None
        else None
    )
    params = _parameters(exp_dir)
    summary = {
        "train_hours": round(hours, 3),
        "epochs": epochs,
        "batches_per_epoch": per_epoch,
        "batches": batches,
        "steps": steps,
        "audio_hours_processed": None if audio_hours is None else round(audio_hours, 3),
        "data_passes": (
            None if audio_hours is None or not hours else round(audio_hours / hours, 2)
        ),
        "parameters_M": round(params / 1e6, 2) if params else None,
        "wall_hours": round(wall_seconds / 3600, 3),
        "audio_sec_per_sec": (
            None
            if audio_hours is None
            else round(audio_hours * 3600 / max(wall_seconds, 1.0), 1)
        ),
        "train_gflop_per_audio_sec": _gflops(config),
        "ngpu": config.get("ngpu"),
    }
    write_text_atomic(
        exp_dir / "train_summary.json", json.dumps(summary, indent=2) + "\n"
    )
    return summary
