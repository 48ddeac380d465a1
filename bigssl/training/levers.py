"""The GPU lever ladder of wav2vec 2.0 pretraining: named rungs, applied cumulatively.

Each :class:`Rung` says how it changes (a) the model (a callable on the
:class:`~bigssl.ssl.model.Wav2Vec2PretrainModel`), (b) the optimizer's keyword arguments, (c)
torch backend flags and (d) the batch padding. Rung ``i`` of the ladder is rungs ``0..i`` together
(:func:`ladder_settings`); ``bench/bench_levers.py`` times each. The training-run equivalents:

=====================  ==============================================================
rung                   in a training config
=====================  ==============================================================
``fused_adam``         ``optim_conf: {fused: true}``
``cudnn_benchmark``    ``cudnn_benchmark: true`` and ``cudnn_deterministic: false``
``pad64``              ``model_conf: {pad_to_multiple: 64}``
``channels_last``      ``model_conf: {channels_last: true}``
``sync_free``          ``model_conf: {sync_free: true}``
``compile_blocks``     ``--compile_encoder true`` (``--compile_scope blocks``)
``compile_model``      ``--compile_encoder true --compile_scope model``
=====================  ==============================================================

``linear_conv_module`` and ``sdpa_relpos`` are ``bigssl.training.fused_modules``'s
``apply_encoder_levers(encoder, [name])``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import torch

from bigssl.training.compile import compile_pretraining_model
from bigssl.training.fused_modules import apply_encoder_levers


@dataclass(frozen=True)
class Rung:
    """One lever: its effect on the model, the optimizer, torch's backends and batch padding."""

    name: str
    description: str
    apply_model: Optional[Callable[[torch.nn.Module, str], Any]] = None
    optimizer_kwargs: Mapping[str, Any] = field(default_factory=dict)
    backend_flags: Mapping[str, Any] = field(default_factory=dict)
    pad_to_multiple: int = 0


def _set_channels_last(model: torch.nn.Module, backend: str) -> bool:
    return model.set_channels_last(True)


def _set_sync_free(model: torch.nn.Module, backend: str) -> None:
    model.set_sync_free(True)


def _fused_module_rung(name: str) -> Callable[[torch.nn.Module, str], Dict[str, int]]:
    def apply(model: torch.nn.Module, backend: str) -> Dict[str, int]:
        return apply_encoder_levers(model.encoder, [name])

    return apply


RUNGS: List[Rung] = [
    Rung("eager", "ESPnet's Conformer as it is, for-each Adam"),
    Rung(
        "fused_adam", "torch.optim.Adam(fused=True)", optimizer_kwargs={"fused": True}
    ),
    Rung(
        "cudnn_benchmark",
        "cuDNN picks the fastest convolution algorithms (non-deterministic allowed)",
        backend_flags={"cudnn.benchmark": True, "cudnn.deterministic": False},
    ),
    Rung("pad64", "feature frames padded to a multiple of 64", pad_to_multiple=64),
    Rung("channels_last", "conv2d subsampling in channels_last", _set_channels_last),
    Rung(
        "sync_free",
        "loss, masking and stats without device-to-host reads",
        _set_sync_free,
    ),
    Rung(
        "linear_conv_module",
        "the convolution module's pointwise convs as linear layers (fused_modules)",
        _fused_module_rung("linear_conv_module"),
    ),
    Rung(
        "sdpa_relpos",
        "relative-position attention through scaled_dot_product_attention (fused_modules)",
        _fused_module_rung("sdpa_relpos"),
    ),
    Rung(
        "compile_blocks",
        "torch.compile of each encoder block",
        lambda model, backend: compile_pretraining_model(model, "blocks", backend),
    ),
    Rung(
        "compile_model",
        "torch.compile also of the subsampling, the target and the loss",
        lambda model, backend: compile_pretraining_model(model, "model", backend),
    ),
]
RUNG_NAMES = [rung.name for rung in RUNGS]


def get_rungs(names: Optional[Sequence[str]] = None) -> List[Rung]:
    """The rungs named (in ladder order), or all."""
    if names is None:
        return list(RUNGS)
    unknown = set(names) - set(RUNG_NAMES)
    if unknown:
        raise ValueError(f"unknown rungs {sorted(unknown)}; known: {RUNG_NAMES}")
    return [rung for rung in RUNGS if rung.name in names]


@dataclass
class LadderSettings:
    """What rungs together ask of a training step."""

    optimizer_kwargs: Dict[str, Any] = field(default_factory=dict)
    backend_flags: Dict[str, Any] = field(default_factory=dict)
    pad_to_multiple: int = 0


def ladder_settings(rungs: Sequence[Rung]) -> LadderSettings:
    """The optimizer kwargs, backend flags and padding of ``rungs`` together (later rungs win)."""
    settings = LadderSettings()
    for rung in rungs:
        settings.optimizer_kwargs.update(rung.optimizer_kwargs)
        settings.backend_flags.update(rung.backend_flags)
        settings.pad_to_multiple = rung.pad_to_multiple or settings.pad_to_multiple
    return settings


def apply_rungs(
    model: torch.nn.Module, rungs: Sequence[Rung], backend: str = "inductor"
) -> Dict[str, Any]:
    """Apply the model changes of ``rungs`` in order (the padding too); returns each one's result."""
    results: Dict[str, Any] = {}
    for rung in rungs:
        if rung.apply_model is not None:
            results[rung.name] = rung.apply_model(model, backend)
    model.pad_to_multiple = ladder_settings(rungs).pad_to_multiple
    return results


def set_backend_flags(flags: Mapping[str, Any]) -> Dict[str, Any]:
    """Set ``torch.backends`` flags given as ``"cudnn.benchmark"``-style names; returns the old
    values (pass them back to restore)."""
    old: Dict[str, Any] = {}
    for name, value in flags.items():
        module_name, attr = name.rsplit(".", 1)
        module = getattr(torch.backends, module_name)
        old[name] = getattr(module, attr)
        setattr(module, attr, value)
    return old
