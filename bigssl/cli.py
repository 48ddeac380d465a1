"""Shared helpers for the thin ``bigssl.bin`` entry points."""
from __future__ import annotations

import argparse
import logging
import sys


def str2bool(value: str) -> bool:
    """Parse ESPnet-style booleans (``true``/``false``)."""
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got '{value}'")


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s (%(module)s:%(lineno)d) %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
