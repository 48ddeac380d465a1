"""Write a recipe's RESULTS.md from its scored experiments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.score.results import write_recipe_results


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="RESULTS.md path")
    parser.add_argument("--title", default="Results")
    parser.add_argument(
        "--exp_dir",
        type=Path,
        action="append",
        required=True,
        help="experiment dir (repeatable)",
    )
    parser.add_argument("--data_dir", type=Path, default=Path("data"))
    parser.add_argument(
        "--main_expdir",
        type=Path,
        default=None,
        help="runs directly under it are named bare, others <dir>/<run> (default: all bare)",
    )
    parser.add_argument(
        "--command",
        action="append",
        default=[],
        help="command line that produced the results (repeatable)",
    )
    parser.add_argument(
        "--summary",
        type=Path,
        action="append",
        default=[],
        help="extra train_summary.json (repeatable)",
    )
    parser.add_argument(
        "--section_file",
        type=Path,
        action="append",
        default=[],
        help="extra markdown section (repeatable)",
    )
    parser.add_argument(
        "--headline_file",
        type=Path,
        default=None,
        help="markdown section that opens RESULTS.md, under the title (skipped if absent)",
    )
    args = parser.parse_args(argv)
    setup_logging()
    write_recipe_results(
        args.out,
        args.title,
        args.exp_dir,
        args.data_dir,
        args.command,
        args.summary,
        args.section_file,
        main_expdir=args.main_expdir,
        headline_file=args.headline_file,
    )


if __name__ == "__main__":
    main()
