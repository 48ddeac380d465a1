"""Check the configs a run will read, before any stage (the pipeline calls this first).

    python -m bigssl.bin.check_configs --train asr conf/train.yaml "--max_epoch 3" \
        --train lm conf/train_lm.yaml "" --decode conf/decode.yaml

``--train KIND CONFIG OVERRIDES`` (KIND: asr, student, ssl or lm) parses CONFIG with the task's
ESPnet parser and OVERRIDES (the run's ``--asr_args`` etc.) and checks every ``*_conf`` against
the class it configures; ``--decode CONFIG`` checks ``Speech2Text`` options. The first problem of
each config is printed with its file; the exit status is 2 if any config has one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from bigssl.config_check import (
    ConfigError,
    check_decode_config,
    check_training_config,
)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--train",
        nargs=3,
        action="append",
        default=[],
        metavar=("KIND", "CONFIG", "OVERRIDES"),
        help="a training config and the options appended to it",
    )
    parser.add_argument(
        "--decode",
        action="append",
        default=[],
        type=Path,
        help="a decode config (Speech2Text options)",
    )
    args = parser.parse_args(argv)
    errors: List[str] = []
    for kind, config, overrides in args.train:
        try:
            check_training_config(kind, Path(config), overrides)
        except ConfigError as error:
            errors.append(str(error))
    for config in args.decode:
        try:
            check_decode_config(config)
        except ConfigError as error:
            errors.append(str(error))
    for error in errors:
        print(f"check_configs: {error}", file=sys.stderr)
    if errors:
        sys.exit(2)


if __name__ == "__main__":
    main()
