"""Linear probes of frozen encoders, layer by layer, on labeled tasks (e.g. mini-NOSS).

    python -m bigssl.bin.probe --data_dir data/noss --out_dir exp/noss \\
        --encoder pretrained=exp/ssl_iter1 --encoder finetuned=exp/asr_x --encoder random=exp/ssl_iter1:random \\
        --claim_encoder pretrained --control random --section exp/results_sections/noss.md \\
        --figure figures/noss_layers.png

Embeddings are cached under OUT_DIR/emb (a killed run resumes); results go to OUT_DIR/probes.json,
the RESULTS.md section to --section, the score-per-layer plot to --figure.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.probe.report import write_report
from bigssl.probe.suite import EncoderSpec, discover_tasks, extract_all, probe_all


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data_dir", type=Path, required=True, help="<task>/{task.json,train,dev,test}"
    )
    parser.add_argument(
        "--out_dir", type=Path, required=True, help="embeddings and probes.json"
    )
    parser.add_argument(
        "--encoder",
        action="append",
        required=True,
        help="NAME=EXP_DIR[:MODEL_FILE], or NAME=EXP_DIR:random (same network, random weights); repeatable",
    )
    parser.add_argument(
        "--tasks", nargs="*", default=None, help="default: every task of --data_dir"
    )
    parser.add_argument("--pooling", choices=("mean", "mean+std"), default="mean")
    parser.add_argument(
        "--claim_encoder", default=None, help="encoder judged for claim 4"
    )
    parser.add_argument(
        "--control", default=None, help="the random-weights encoder's name"
    )
    parser.add_argument(
        "--section", type=Path, default=None, help="markdown section to write"
    )
    parser.add_argument(
        "--section_title", default="Non-semantic probes", help="the section's heading"
    )
    parser.add_argument(
        "--figure", type=Path, default=None, help="PNG of score per layer"
    )
    parser.add_argument(
        "--figure_link",
        default=None,
        help="how the section links the figure (default: --figure)",
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    setup_logging()
    try:
        encoders = [EncoderSpec.parse(text) for text in args.encoder]
        tasks = args.tasks or discover_tasks(args.data_dir)
        extract_all(args.data_dir, encoders, args.out_dir, tasks)
        summary = probe_all(args.data_dir, encoders, args.out_dir, tasks, args.pooling)
    except (FileNotFoundError, ValueError) as exc:
        logging.error("%s", exc)
        sys.exit(1)
    if args.section:
        figure_link = args.figure_link or (str(args.figure) if args.figure else None)
        write_report(
            summary,
            args.section,
            args.claim_encoder or encoders[0].name,
            args.control,
            args.figure,
            figure_link,
            args.section_title,
        )


if __name__ == "__main__":
    main()
