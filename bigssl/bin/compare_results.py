"""A markdown table comparing experiments pairwise on one test set (e.g. pretrained vs scratch).

    python -m bigssl.bin.compare_results --test_set test --out section.md \
        --row "0.25 h labeled|exp/asr_scratch_300|exp/asr_ssl_300" ...
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.score.comparison import write_comparison


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--row", action="append", required=True, help="LABEL|BASELINE_EXP|OTHER_EXP"
    )
    parser.add_argument("--test_set", default="test")
    parser.add_argument("--title", default="Pretrained + fine-tuned vs from scratch")
    parser.add_argument("--columns", default="from scratch|pretrained + fine-tuned")
    parser.add_argument("--note", default="")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write_comparison(
        args.row, args.out, args.test_set, args.title, args.columns, args.note
    )


if __name__ == "__main__":
    main()
