"""Write a recipe's RESULTS.md from its scored experiments."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.score.results import write_results


def corpus_section(data_dir: Path, train_summaries: List[Path]) -> str:
    """Hours per split and training cost, when the recipe recorded them."""
    lines = []
    hours_file = data_dir / "local" / "corpus_hours.json"
    if hours_file.is_file():
        hours = json.loads(hours_file.read_text())
        lines.append("| split | hours |\n|---|---|\n" + "\n".join(f"| {k} | {v:.2f} |" for k, v in sorted(hours.items())))
    if train_summaries:
        infos = [(p.parent.name, json.loads(p.read_text())) for p in train_summaries]
        keys = list(dict.fromkeys(k for _, info in infos for k in info))
        table = ["| experiment | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
        table += [f"| {name} | " + " | ".join(str(info.get(k, "")) for k in keys) + " |" for name, info in infos]
        lines.append("Training cost (wall hours are ESPnet's summed epoch times; audio_sec_per_sec = "
                     "training audio seconds processed per wall second):\n\n" + "\n".join(table))
    return "## Data and training\n\n" + "\n\n".join(lines) + "\n" if lines else ""


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="RESULTS.md path")
    parser.add_argument("--title", default="Results")
    parser.add_argument("--exp_dir", type=Path, action="append", required=True, help="experiment dir (repeatable)")
    parser.add_argument("--data_dir", type=Path, default=Path("data"))
    parser.add_argument("--command", action="append", default=[], help="command line that produced the results (repeatable)")
    parser.add_argument("--summary", type=Path, action="append", default=[], help="extra train_summary.json (repeatable)")
    parser.add_argument("--section_file", type=Path, action="append", default=[], help="extra markdown section (repeatable)")
    args = parser.parse_args(argv)
    setup_logging()
    summaries = list(args.summary) + [p for e in args.exp_dir for p in sorted(e.glob("train_summary.json"))]
    commands = list(args.command)
    for exp in args.exp_dir:
        recorded = exp / "run_command"
        if recorded.is_file() and recorded.read_text().strip() not in commands:
            commands.append(recorded.read_text().strip())
    sections = [corpus_section(args.data_dir, summaries)] + [p.read_text() for p in args.section_file if p.is_file()]
    write_results(args.out, args.title, args.exp_dir, commands, [s for s in sections if s], repo_dir=Path.cwd())


if __name__ == "__main__":
    main()
