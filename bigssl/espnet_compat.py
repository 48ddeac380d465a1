"""Make ESPnet imports safe on offline machines, and cheaper.

``espnet2.tasks.*`` imports ``g2p_en``, which calls ``nltk.download`` at import time when its data
is missing. Offline that is at best a delay and at worst a hang on DNS. bigssl never uses g2p, so
before importing ESPnet task modules every bigssl entry point replaces ``nltk.download`` with a
function that logs once and returns False. Set ``BIGSSL_ALLOW_NLTK_DOWNLOAD=1`` to keep NLTK's.

ESPnet decorates ~290 functions with typeguard's ``@typechecked``, which parses, rewrites and
recompiles each one when its module is imported: ~6 CPU seconds of every process that imports
ESPnet's task or inference modules (``espnet2.bin.asr_inference``: 10.1 s of CPU with it, 3.9 s
without; bench/README.md), and a study launches hundreds of them. Importing bigssl makes the
decorator a no-op, as ``python -O`` does (:func:`skip_runtime_typechecks`); the checks catch wrong
argument types, never change a result. Set ``BIGSSL_TYPECHECK=1`` to keep them.
"""

from __future__ import annotations

import logging
import os
import warnings

logger = logging.getLogger(__name__)
_done = False


def _offline_download(
    info_or_id: object = None, *args: object, **kwargs: object
) -> bool:
    logger.debug(
        "nltk.download(%r) skipped: bigssl runs offline (BIGSSL_ALLOW_NLTK_DOWNLOAD=1 allows it)",
        info_or_id,
    )
    return False


def _no_typecheck(target: object = None, **options: object) -> object:
    """``typeguard.typechecked`` as a no-op, bare (``@typechecked``) or called (``@typechecked()``)."""
    if target is None:
        return lambda function: function
    return target


def skip_runtime_typechecks() -> bool:
    """Make ``typeguard.typechecked`` a no-op for modules imported from now on (ESPnet's); False when
    ``BIGSSL_TYPECHECK=1`` keeps the checks or typeguard is absent."""
    if os.environ.get("BIGSSL_TYPECHECK") == "1":
        return False
    try:
        import typeguard
    except ImportError:
        return False
    typeguard.typechecked = _no_typecheck  # type: ignore[assignment]
    return True


def quiet_espnet_imports() -> None:
    """Idempotently disable NLTK downloads and silence import-time noise from ESPnet."""
    global _done
    if _done:
        return
    _done = True
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    warnings.filterwarnings(
        "ignore", message=".*torch.cuda.amp.*", category=FutureWarning
    )
    if os.environ.get("BIGSSL_ALLOW_NLTK_DOWNLOAD") == "1":
        return
    try:
        import nltk
    except ImportError:
        return
    nltk.download = _offline_download  # type: ignore[assignment]


def shutdown_distributed() -> None:
    """Destroy the default process group if this process joined one (torchrun/srun ranks).

    ESPnet's trainer returns with the group alive; at interpreter exit gloo's threads are then
    destroyed while running and a rank can abort ("terminate called without an active
    exception", SIGABRT) after training finished, failing the launcher.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
