"""The Noisy Student Training section of RESULTS.md (markdown) and a WER-vs-generation plot.

    python -m bigssl.bin.nst_report --out exp/results_sections/nst.md --plot figures/nst_wer.png \
        --test_set test \
        --row "supervised only (no pretraining)|CTC|exp/asr_scratch" \
        --row "generation 0 (teacher: pretrained + fine-tuned)|CTC|exp/asr_ssl" \
        --row "generation 1 (student)|CTC|exp/nst_gen1|data/train_pseudo_gen1" \
        --row "topline: all labels|CTC|exp/asr_topline" ...

Each --row is LABEL|MODEL_TYPE|EXP_DIR[|FILTER_DIR]; see bigssl.score.nst_section.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.score.nst_section import RowSpecError, write_nst_section


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--row",
        action="append",
        required=True,
        help="LABEL|MODEL_TYPE|EXP_DIR[|FILTER_DIR] (repeatable)",
    )
    parser.add_argument("--test_set", default="test")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="markdown section, e.g. exp/results_sections/nst.md",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        default=None,
        help="PNG of WER vs generation, e.g. figures/nst_wer.png",
    )
    parser.add_argument(
        "--plot_link",
        default=None,
        help="image link in the markdown (default: --plot as given)",
    )
    parser.add_argument("--title", default="Noisy Student Training")
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    try:
        write_nst_section(
            args.row,
            args.out,
            args.test_set,
            args.plot,
            args.plot_link,
            args.title,
            args.note,
        )
    except RowSpecError as err:
        parser.error(str(err))


if __name__ == "__main__":
    main()
