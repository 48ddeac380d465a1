"""How good are a teacher's K-best pseudo-labels? WER of the greedy 1-best, of each beam rank, of the
oracle among the K, and the expected WER when one hypothesis is drawn by its posterior weight (what
K-best NST training sees), against reference transcripts.

    python -m bigssl.bin.kbest_report --pseudo_dir exp/x/pseudo --reference_text data/local/unlabeled_reference/text
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.nst.kbest_report import kbest_report


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pseudo_dir", type=Path, required=True)
    parser.add_argument("--reference_text", type=Path, required=True)
    args = parser.parse_args(argv)
    print(kbest_report(args.pseudo_dir, args.reference_text))


if __name__ == "__main__":
    main()
