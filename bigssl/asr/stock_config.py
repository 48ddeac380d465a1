"""Make an experiment's ``config.yaml`` loadable by stock ESPnet ``Speech2Text``.

Training may use bigssl's own SpecAugment (``specaug: adaptive_specaug``), which stock ESPnet
cannot parse. SpecAugment has no weights and is inactive at inference, so after training the
config keeps the original as ``config.train.yaml`` and sets ``specaug: null`` in ``config.yaml``.
Extra keys (``nst_mix_ratio``, ``encoder_lr_scale``, ...) are ignored by ``Speech2Text`` and stay.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import List, Optional

import yaml

from bigssl.io_utils import write_text_atomic

STOCK_SPECAUG = (None, "specaug")


def make_stock(exp_dir: Path) -> bool:
    """Rewrite ``exp_dir/config.yaml`` if needed; returns True if it changed."""
    config_path = exp_dir / "config.yaml"
    text = config_path.read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    if config.get("specaug") in STOCK_SPECAUG:
        return False
    train_copy = exp_dir / "config.train.yaml"
    if not train_copy.exists():
        write_text_atomic(train_copy, text)
    logging.info(
        "%s: specaug '%s' (training only) -> null for stock Speech2Text; original in %s",
        config_path,
        config["specaug"],
        train_copy,
    )
    config["specaug"] = None
    config["specaug_conf"] = {}
    write_text_atomic(
        config_path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    )
    return True
