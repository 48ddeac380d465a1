"""Parameter count and training-memory estimate of a pretraining config, built on the meta device.

    python -m bigssl.bin.model_info --config egs/TEMPLATE/asr1/conf/ssl/pretrain_xl.yaml
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import List, Optional

from bigssl.espnet_compat import quiet_espnet_imports


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True, action="append",
                        help="pretraining YAML (repeat for several)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="utterance length for the activation estimate")
    parser.add_argument("--json", action="store_true", help="print one JSON object per config")
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    quiet_espnet_imports()
    import logging

    logging.disable(logging.WARNING)  # ESPnet's legacy-positional-encoding notices
    from bigssl.ssl.sizes import model_info

    for i, config in enumerate(args.config):
        info = model_info(config, seconds=args.seconds)
        if args.json:
            print(json.dumps(dict(asdict(info), state_bytes=info.state_bytes)))
        else:
            print(("\n" if i else "") + info.report())


if __name__ == "__main__":
    main()
