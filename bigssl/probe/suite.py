"""A probe suite: tasks (data dirs with labels) x encoders x layers, embeddings cached, results as JSON.

A task dir ``<data_dir>/<task>`` holds ``task.json`` (``kind``: classification or regression) and
``train``, ``dev``, ``test`` dirs with ``wav.scp`` and ``utt2label``. Embeddings go to
``<out_dir>/emb/<encoder>/<task>/<split>`` (resumable, see :mod:`bigssl.probe.extract`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from bigssl.io_utils import PathLike, read_kv, write_text_atomic
from bigssl.probe.encoders import load_frozen_encoder
from bigssl.probe.extract import extract_embeddings, load_embeddings, num_layers
from bigssl.probe.linear import Split, TaskResult, chance_level, probe_layer

logger = logging.getLogger(__name__)
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class EncoderSpec:
    """``name=EXP_DIR[:MODEL_FILE]``, or ``name=EXP_DIR:random`` for the same network untrained."""

    name: str
    exp_dir: Path
    model_file: Optional[str] = None
    random_init: bool = False

    @classmethod
    def parse(cls, text: str) -> "EncoderSpec":
        name, sep, rest = text.partition("=")
        if not sep or not name or not rest:
            raise ValueError(
                f"encoder spec must be NAME=EXP_DIR[:MODEL_FILE|:random], got {text!r}"
            )
        exp_dir, _, model = rest.partition(":")
        return cls(
            name,
            Path(exp_dir),
            None if model in ("", "random") else model,
            model == "random",
        )


def discover_tasks(data_dir: PathLike) -> List[str]:
    tasks = sorted(p.parent.name for p in Path(data_dir).glob("*/task.json"))
    if not tasks:
        raise FileNotFoundError(f"{data_dir}: no task (no */task.json)")
    return tasks


def extract_all(
    data_dir: PathLike,
    encoders: Sequence[EncoderSpec],
    out_dir: PathLike,
    tasks: Sequence[str],
) -> None:
    """Embeddings of every split of every task for every encoder (skipping finished ones)."""
    for spec in encoders:
        targets = [
            (
                Path(data_dir) / task / split / "wav.scp",
                Path(out_dir) / "emb" / spec.name / task / split,
            )
            for task in tasks
            for split in SPLITS
        ]
        todo = [(scp, out) for scp, out in targets if not (out / ".done").exists()]
        if not todo:
            continue
        encoder = load_frozen_encoder(
            spec.exp_dir, spec.model_file, spec.random_init, name=spec.name
        )
        for scp, out in todo:
            extract_embeddings(encoder, scp, out)


def _split(
    emb_dir: Path,
    labels: Dict[str, str],
    labels_path: Path,
    layer: int,
    kind: str,
    pooling: str,
) -> Split:
    utts, x = load_embeddings(emb_dir, layer, pooling)
    if set(labels) != set(utts):
        raise ValueError(
            f"{labels_path}: utterances differ from the embeddings in {emb_dir}"
        )
    y = np.array([labels[u] for u in utts])
    return Split(x, y.astype(float) if kind == "regression" else y, list(utts))


def _test_items(
    test: Split, kind: str
) -> Tuple[Optional[List[str]], Optional[List[float]]]:
    """The test split's item ids and, for regression, its targets (kept for the bootstrap)."""
    return test.ids, (test.y.tolist() if kind == "regression" else None)


def probe_all(
    data_dir: PathLike,
    encoders: Sequence[EncoderSpec],
    out_dir: PathLike,
    tasks: Sequence[str],
    pooling: str = "mean",
) -> Dict[str, object]:
    """Per-layer probes of every encoder on every task; written to ``<out_dir>/probes.json``.

    Each result keeps its test items (``test_ids``, regression ``test_targets``) and each layer its
    per-item test results (``test_correct`` or ``test_pred``), for the bootstrap of claim 4.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    results: List[Dict[str, object]] = []
    chance: Dict[str, float] = {}
    for task in tasks:
        kind = json.loads((data_dir / task / "task.json").read_text())["kind"]
        label_paths = {s: data_dir / task / s / "utt2label" for s in SPLITS}
        labels = {s: read_kv(path) for s, path in label_paths.items()}
        chance[task] = chance_level(
            kind, list(labels["train"].values()), list(labels["test"].values())
        )
        for spec in encoders:
            emb = out_dir / "emb" / spec.name / task
            layers = []
            for layer in range(num_layers(emb / "train")):
                splits = [
                    _split(emb / s, labels[s], label_paths[s], layer, kind, pooling)
                    for s in SPLITS
                ]
                layers.append(probe_layer(kind, layer, *splits))
            result = TaskResult(
                task, spec.name, kind, layers, *_test_items(splits[-1], kind)
            )
            results.append(result.to_dict())
            logger.info(
                "%s / %s: best layer %d (dev %.3f, test %.3f), last layer test %.3f",
                task,
                spec.name,
                result.best.layer,
                result.best.dev,
                result.best.test,
                result.last.test,
            )
    summary = {"pooling": pooling, "chance": chance, "results": results}
    write_text_atomic(out_dir / "probes.json", json.dumps(summary, indent=2))
    return summary
