"""Record a finished training run's cost: data hours, epochs, parameters, wall time, throughput."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import List, Optional

from bigssl.training.summary import summarize


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exp_dir", type=Path, required=True)
    parser.add_argument("--data_dir", type=Path, required=True)
    parser.add_argument("--wall_seconds", type=float, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(summarize(args.exp_dir, args.data_dir, args.wall_seconds)))


if __name__ == "__main__":
    main()
