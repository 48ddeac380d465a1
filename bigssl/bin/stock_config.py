"""Make an experiment's ``config.yaml`` loadable by stock ESPnet ``Speech2Text``.

Training may use bigssl's own SpecAugment (``specaug: adaptive_specaug``), which stock ESPnet
cannot parse. SpecAugment has no weights and is inactive at inference, so after training the
config keeps the original as ``config.train.yaml`` and sets ``specaug: null`` in ``config.yaml``.
Extra keys (``nst_mix_ratio``, ``encoder_lr_scale``, ...) are ignored by ``Speech2Text`` and stay.

    python -m bigssl.bin.stock_config --exp_dir exp/nst_iter1_ctc
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import List, Optional

import yaml

from bigssl.cli import setup_logging
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
    logging.info("%s: specaug '%s' (training only) -> null for stock Speech2Text; original in %s", config_path, config["specaug"], train_copy)
    config["specaug"] = None
    config["specaug_conf"] = {}
    write_text_atomic(config_path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return True


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exp_dir", type=Path, required=True)
    args = parser.parse_args(argv)
    setup_logging()
    make_stock(args.exp_dir)


if __name__ == "__main__":
    main()
