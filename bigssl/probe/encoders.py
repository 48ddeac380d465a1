"""Frozen encoders for probing: every layer's output of an ESPnet Conformer, from any bigssl experiment.

An experiment dir holds ``config.yaml`` and a checkpoint: a pretraining run (``exp/ssl_iter<k>``,
:class:`bigssl.ssl.task.BigSSLTask`) or an ASR/NST model (:class:`bigssl.asr.task.BigSSLASRTask`);
both models have ESPnet's ``frontend``, ``normalize`` and ``encoder``. ``random_init`` builds the
same network with fresh weights (the control: what the architecture gives without training).

Layers: 0 is the subsampled input projection (the output of ESPnet's ``embed``, before any block),
k = 1..N the output of block k (ESPnet's ``return_all_hs``; the last one before the encoder's final
layer norm). One encoder pass gives them all.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import torch
import yaml

logger = logging.getLogger(__name__)


@dataclass
class FrozenEncoder:
    """An eval-mode frontend + normalization + encoder; ``layers`` gives every layer's frames."""

    name: str
    frontend: Optional[torch.nn.Module]
    normalize: Optional[torch.nn.Module]
    encoder: torch.nn.Module

    @property
    def num_layers(self) -> int:
        """Number of probed layers, the input projection included."""
        return len(self.encoder.encoders) + 1

    @property
    def width(self) -> int:
        return int(self.encoder.output_size())

    @torch.no_grad()
    def layers(
        self, speech: torch.Tensor, lengths: torch.Tensor
    ) -> Tuple[List[torch.Tensor], torch.Tensor]:
        """Waveforms (B, S) -> per-layer frames [(B, T, d)] and the frame counts (B,)."""
        feats, feat_lengths = speech, lengths
        if self.frontend is not None:
            feats, feat_lengths = self.frontend(speech, lengths)
        if self.normalize is not None:
            feats, feat_lengths = self.normalize(feats, feat_lengths)
        captured: List[torch.Tensor] = []

        def keep_projection(module, inputs, output):  # type: ignore[no-untyped-def]
            captured.append(output[0] if isinstance(output, tuple) else output)

        hook = self.encoder.embed.register_forward_hook(keep_projection)
        try:
            (_, blocks), out_lengths, _ = self.encoder(
                feats, feat_lengths, return_all_hs=True
            )
        finally:
            hook.remove()
        projection = captured[0]
        if isinstance(projection, tuple):  # rel_pos: (frames, positional embeddings)
            projection = projection[0]
        return [projection, *blocks], out_lengths


def _task_for(config: dict):  # type: ignore[no-untyped-def]
    """The bigssl task that built an experiment's config (pretraining or ASR)."""
    if "loss" in config and "masking" in config:
        from bigssl.ssl.task import BigSSLTask

        return BigSSLTask
    from bigssl.asr.task import BigSSLASRTask

    return BigSSLASRTask


def resolve_stats_file(config: Dict[str, Any], exp_dir: Path) -> bool:
    """Make a relative ``normalize_conf.stats_file`` usable from any directory; True if changed.

    The pipeline writes it relative to the recipe the model was trained in (``exp/asr_stats_.../
    feats_stats.npz``); a probe run from another recipe finds it below one of ``exp_dir``'s parents.
    """
    conf = config.get("normalize_conf") or {}
    stats = conf.get("stats_file")
    if not stats or Path(stats).is_absolute() or Path(stats).is_file():
        return False
    exp_dir = Path(os.path.abspath(exp_dir))
    for base in (exp_dir, *exp_dir.parents):
        if (base / stats).is_file():
            conf["stats_file"] = str(base / stats)
            return True
    raise FileNotFoundError(
        f"{exp_dir}/config.yaml: its feature statistics {stats} are found neither from here "
        f"nor below {exp_dir} or any folder above it"
    )


def load_frozen_encoder(
    exp_dir: Path,
    model_file: Optional[str] = None,
    random_init: bool = False,
    seed: int = 0,
    name: Optional[str] = None,
) -> FrozenEncoder:
    """The encoder of ``exp_dir`` (its ``model_file`` checkpoint; with ``random_init`` none, fresh weights
    seeded with ``seed``); the feature normalization statistics are the experiment's in both cases.
    """
    exp_dir = Path(exp_dir)
    config_path = exp_dir / "config.yaml"
    if not config_path.is_file():
        raise FileNotFoundError(
            f"{exp_dir}: no config.yaml (not a trained experiment dir)"
        )
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    task = _task_for(config)
    checkpoint = None
    if not random_init:
        checkpoint = exp_dir / (model_file or _default_model(exp_dir))
        if not checkpoint.is_file():
            raise FileNotFoundError(f"{checkpoint}: no such checkpoint")
    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory(prefix="probe_config") as tmp:
        if resolve_stats_file(config, exp_dir):
            config_path = Path(tmp) / "config.yaml"
            config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
        model, _ = task.build_model_from_file(config_path, checkpoint, "cpu")
    model.eval()
    encoder = FrozenEncoder(
        name=name or exp_dir.name,
        frontend=getattr(model, "frontend", None),
        normalize=getattr(model, "normalize", None),
        encoder=model.encoder,
    )
    for module in (encoder.frontend, encoder.normalize, encoder.encoder):
        if module is not None:
            module.requires_grad_(False)
    logger.info(
        "%s: %s encoder, %d layers of width %d (%s)",
        encoder.name,
        type(model.encoder).__name__,
        encoder.num_layers,
        encoder.width,
        "random weights" if random_init else checkpoint,
    )
    return encoder


def _default_model(exp_dir: Path) -> str:
    """The averaged checkpoint the pipeline decodes with (pretraining: valid.loss.ave.pth)."""
    for candidate in (
        "valid.cer_ctc.ave.pth",
        "valid.loss.ave.pth",
        "valid.acc.ave.pth",
    ):
        if (exp_dir / candidate).exists():
            return candidate
    raise FileNotFoundError(
        f"{exp_dir}: none of valid.cer_ctc.ave.pth, valid.loss.ave.pth, valid.acc.ave.pth; give --model_file"
    )
