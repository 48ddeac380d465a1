"""The table of whole systems (error rates and training cost) that opens a recipe's RESULTS.md.

    python -m bigssl.bin.system_table --out exp_demo/results_headline.md --test_sets "dev test" \
        --row "teacher, no LM|exp_demo/asr_teacher/decode_ctc|exp_demo/ssl_iter1,exp_demo/asr_teacher" \
        --row "teacher + LM|exp_demo/asr_teacher/decode_ctc_lm|exp_demo/ssl_iter1,exp_demo/asr_teacher,exp_demo/lm_x"

Each --row is LABEL|DECODE|TRAINED[,TRAINED...]; see bigssl.score.systems.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.score.systems import SystemRowError, write_system_section


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--row", action="append", required=True, help="LABEL|DECODE|TRAINED[,...]"
    )
    parser.add_argument("--out", type=Path, required=True, help="markdown section")
    parser.add_argument("--test_sets", default="test", help="space-separated")
    parser.add_argument("--title", default="Systems")
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    setup_logging()
    try:
        write_system_section(
            args.row, args.out, args.test_sets.split(), args.title, args.note
        )
    except (SystemRowError, FileNotFoundError, ValueError) as err:
        parser.error(str(err))


if __name__ == "__main__":
    main()
