"""``torch.compile`` for the pretraining model, keeping the checkpoint ESPnet-loadable.

Modules are compiled in place (``nn.Module.compile``), so parameter names and ``state_dict`` keys
are those of the stock ESPnet encoder: a compiled run's checkpoints load into uncompiled models
(fine-tuning, ``Speech2Text``). Compiling fuses the elementwise work between the matrix products
(casts under autocast, norms, activations, dropout), which is most of the step time of ESPnet's
Conformer on a GPU: bench/README.md has the measured speed-up.

Scopes (``--compile_scope``):

* ``blocks``: every block of ``encoder.encoders`` (the default, ``--compile_encoder true``).
* ``model``: the blocks, and also the subsampling (its convolutions, output projection and
  positional encoding, called one by one by :mod:`bigssl.ssl.encoder_io`), the encoder's final
  norm, the target module (linear projection or quantizer) and the contrastive loss with its
  projection. The span masking stays eager (its random draws). The loss draws its distractors'
  random numbers outside the compiled graph, so a seed gives the same loss compiled or not; its
  default path reads the batch's mask counts back (a graph break per read): compile it with
  ``model_conf: {sync_free: true}`` for one graph.
"""

from __future__ import annotations

from typing import Iterator, List

import torch

COMPILE_SCOPES = ("blocks", "model")


def compile_encoder_blocks(encoder: torch.nn.Module, backend: str = "inductor") -> int:
    """Compile every block of ``encoder.encoders`` in place; returns how many were compiled."""
    blocks = getattr(encoder, "encoders", None)
    if blocks is None:
        raise ValueError(
            f"{type(encoder).__name__} has no 'encoders' block stack to compile"
        )
    for block in blocks:
        block.compile(backend=backend)
    return len(blocks)


def _embed_parts(encoder: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """The parts of ``encoder.embed`` that the pretraining model calls one by one."""
    embed = encoder.embed
    if isinstance(embed, torch.nn.Sequential):  # input_layer: linear
        yield from embed
        return
    yield embed.conv
    yield from embed.out


def heads_and_embed(model: torch.nn.Module) -> List[torch.nn.Module]:
    """The modules the ``model`` scope compiles besides the encoder blocks."""
    encoder = model.encoder
    modules = list(_embed_parts(encoder))
    if getattr(encoder, "normalize_before", False):
        modules.append(encoder.after_norm)
    modules += [model.target, model.loss]
    return modules


def compile_pretraining_model(
    model: torch.nn.Module, scope: str = "blocks", backend: str = "inductor"
) -> int:
    """Compile ``model`` (a :class:`~bigssl.ssl.model.Wav2Vec2PretrainModel`) in place in
    ``scope`` (:data:`COMPILE_SCOPES`); returns how many modules were compiled. Modules already
    compiled (e.g. the blocks, by an earlier ``blocks`` call) are left as they are."""
    if scope not in COMPILE_SCOPES:
        raise ValueError(
            f"compile scope must be one of {COMPILE_SCOPES}, not {scope!r}"
        )
    modules = list(model.encoder.encoders)
    if scope == "model":
        modules += heads_and_embed(model)
    count = 0
    for module in modules:
        if getattr(module, "_compiled_call_impl", None) is None:
            module.compile(backend=backend)
            count += 1
    return count
