"""Parameter count and training-memory estimate of a pretraining config, built on the meta device.

    python -m bigssl.bin.model_info --config egs/TEMPLATE/asr1/conf/ssl/pretrain_xl.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.espnet_compat import quiet_espnet_imports


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        type=Path,
        required=True,
        action="append",
        help="pretraining YAML (repeat for several)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="utterance length for the activation estimate",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per config"
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    quiet_espnet_imports()
    from bigssl.ssl.sizes import print_model_info

    print_model_info(args.config, args.seconds, args.json)


if __name__ == "__main__":
    main()
