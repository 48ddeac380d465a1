"""Shared helpers for the thin ``bigssl.bin`` entry points."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path
from typing import Mapping, Optional, TypeVar

Spec = TypeVar("Spec")


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s (%(module)s:%(lineno)d) %(levelname)s: %(message)s",
        stream=sys.stderr,
    )


def synthesis_parser(
    description: str,
    defaults: object,
    helps: Mapping[str, Optional[str]],
    audio_dir_help: str,
    data_dir_help: str,
) -> argparse.ArgumentParser:
    """The options of a corpus synthesis CLI: --audio_dir, --data_dir, an integer ``--<field>`` for
    each field of the spec dataclass ``defaults`` named in ``helps`` (its help text; None: none;
    default: the field's value there), and --nj."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--audio_dir", type=Path, required=True, help=audio_dir_help)
    parser.add_argument("--data_dir", type=Path, required=True, help=data_dir_help)
    for name, help in helps.items():
        parser.add_argument(
            f"--{name}", type=int, default=getattr(defaults, name), help=help
        )
    parser.add_argument(
        "--nj", type=int, default=2, help="parallel synthesis processes"
    )
    return parser


def spec_from_args(defaults: Spec, args: argparse.Namespace) -> Spec:
    """``defaults`` with every field that ``args`` holds (:func:`synthesis_parser`) replaced."""
    given = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(defaults)  # type: ignore[arg-type]
        if hasattr(args, f.name)
    }
    return dataclasses.replace(defaults, **given)  # type: ignore[type-var]
