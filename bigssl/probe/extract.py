"""Utterance embeddings of every encoder layer: pooled over the non-padded frames, cached on disk.

For a ``wav.scp`` and an encoder, :func:`extract_embeddings` writes ``<out>/layer<k>.npy`` (one row
per utterance: the frame mean, then the frame standard deviation, 2 x width columns) and
``<out>/utts`` (the row order). Batches go to ``<out>/shards/`` first, each written atomically, so a
killed extraction resumes at the first missing shard; the per-layer files and a ``.done`` marker are
written once every shard exists.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import soundfile
import torch
from tqdm import tqdm

from bigssl.data.batching import batch_by_duration
from bigssl.io_utils import PathLike, atomic_open, read_kv
from bigssl.probe.encoders import FrozenEncoder

logger = logging.getLogger(__name__)


def pool_frames(frames: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, T, d) frames with valid counts (B,) -> (B, 2d): mean and standard deviation over the
    valid frames only (padding never counts)."""
    valid = (torch.arange(frames.size(1))[None, :] < lengths[:, None]).to(frames.dtype)
    count = valid.sum(1, keepdim=True).clamp(min=1.0)
    mean = (frames * valid[..., None]).sum(1) / count
    var = (((frames - mean[:, None, :]) ** 2) * valid[..., None]).sum(1) / count
    return torch.cat([mean, var.clamp(min=0.0).sqrt()], dim=-1)


def _load_batch(paths: Sequence[str]) -> Tuple[torch.Tensor, torch.Tensor]:
    waves = [soundfile.read(p, dtype="float32")[0] for p in paths]
    lengths = torch.tensor([len(w) for w in waves])
    speech = torch.zeros(len(waves), int(lengths.max()))
    for i, wave in enumerate(waves):
        speech[i, : len(wave)] = torch.from_numpy(wave)
    return speech, lengths


def extract_embeddings(
    encoder: FrozenEncoder,
    wav_scp: PathLike,
    out_dir: PathLike,
    batch_seconds: float = 60.0,
) -> Path:
    """Pooled embeddings of every layer for the utterances of ``wav_scp`` (see the module doc)."""
    out_dir = Path(out_dir)
    if (out_dir / ".done").exists():
        return out_dir
    table = read_kv(wav_scp)
    if not table:
        raise ValueError(f"{wav_scp}: no utterance")
    durations = {u: soundfile.info(p).duration for u, p in table.items()}
    batches = batch_by_duration(durations, batch_seconds, descending=False)
    shard_dir = out_dir / "shards"
    shard_dir.mkdir(parents=True, exist_ok=True)
    done = sum((shard_dir / f"{i:05d}.npz").exists() for i in range(len(batches)))
    if done:
        logger.info(
            "%s: resuming, %d of %d batches already extracted",
            out_dir,
            done,
            len(batches),
        )
    for index, batch in enumerate(
        tqdm(
            batches,
            desc=f"{encoder.name}: {Path(wav_scp).parent.name}",
            unit="batch",
            mininterval=5,
        )
    ):
        shard = shard_dir / f"{index:05d}.npz"
        if shard.exists():
            continue
        speech, lengths = _load_batch([table[u] for u in batch])
        layers, frame_lengths = encoder.layers(speech, lengths)
        pooled = {
            f"layer{k}": pool_frames(h, frame_lengths).numpy()
            for k, h in enumerate(layers)
        }
        with atomic_open(shard, "wb") as handle:
            np.savez(handle, utts=np.array(batch), **pooled)
    _consolidate(shard_dir, len(batches), encoder.num_layers, out_dir)
    return out_dir


def _consolidate(
    shard_dir: Path, num_shards: int, num_layers: int, out_dir: Path
) -> None:
    shards = [np.load(shard_dir / f"{i:05d}.npz") for i in range(num_shards)]
    utts = np.concatenate([s["utts"] for s in shards])
    order = np.argsort(utts)
    for k in range(num_layers):
        matrix = np.concatenate([s[f"layer{k}"] for s in shards])[order]
        with atomic_open(out_dir / f"layer{k}.npy", "wb") as handle:
            np.save(handle, matrix.astype(np.float32))
    with atomic_open(out_dir / "utts") as handle:
        handle.write("".join(f"{u}\n" for u in utts[order]))
    shutil.rmtree(shard_dir)
    (out_dir / ".done").touch()


def load_embeddings(
    out_dir: PathLike, layer: int, pooling: str = "mean"
) -> Tuple[List[str], np.ndarray]:
    """(utterance ids, features) of one layer; ``pooling`` 'mean' or 'mean+std'."""
    out_dir = Path(out_dir)
    if not (out_dir / ".done").exists():
        raise FileNotFoundError(f"{out_dir}: embeddings not (completely) extracted")
    matrix = np.load(out_dir / f"layer{layer}.npy")
    utts = (out_dir / "utts").read_text().split()
    if pooling == "mean":
        matrix = matrix[:, : matrix.shape[1] // 2]
    elif pooling != "mean+std":
        raise ValueError(f"pooling must be 'mean' or 'mean+std', not {pooling!r}")
    return utts, matrix


def num_layers(out_dir: PathLike) -> int:
    """How many layer files an extraction wrote."""
    return sum(
        1
        for name in os.listdir(out_dir)
        if name.startswith("layer") and name.endswith(".npy")
    )
