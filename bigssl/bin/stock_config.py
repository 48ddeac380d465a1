"""Make an experiment's ``config.yaml`` loadable by stock ESPnet ``Speech2Text`` (see bigssl.asr.stock_config).

    python -m bigssl.bin.stock_config --exp_dir exp/nst_iter1_ctc
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.asr.stock_config import make_stock
from bigssl.cli import setup_logging


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--exp_dir", type=Path, required=True)
    args = parser.parse_args(argv)
    setup_logging()
    make_stock(args.exp_dir)


if __name__ == "__main__":
    main()
