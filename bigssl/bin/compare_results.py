"""A markdown table comparing experiments pairwise on one test set (e.g. pretrained vs scratch).

    python -m bigssl.bin.compare_results --test_set test --out section.md \
        --row "0.25 h labeled|exp/asr_scratch_300|exp/asr_ssl_300" ...
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import List, Optional

from bigssl.io_utils import write_text_atomic


def wer_of(exp: Path, test_set: str) -> float:
    results = sorted(exp.glob(f"decode_*/{test_set}/score_wer/result.json"))
    if not results:
        raise FileNotFoundError(f"{exp}: no scored decoding of '{test_set}'")
    return float(json.loads(results[-1].read_text())["Err"])


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--row", action="append", required=True, help="LABEL|BASELINE_EXP|OTHER_EXP")
    parser.add_argument("--test_set", default="test")
    parser.add_argument("--title", default="Pretrained + fine-tuned vs from scratch")
    parser.add_argument("--columns", default="from scratch|pretrained + fine-tuned")
    parser.add_argument("--note", default="")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    base_name, other_name = args.columns.split("|")
    lines = [f"## {args.title}\n", f"WER (%) on `{args.test_set}`; same labeled data, config and step budget per row.\n",
             f"| labeled data | {base_name} | {other_name} | relative change |", "|---|---|---|---|"]
    for row in args.row:
        label, base, other = row.split("|")
        base_wer, other_wer = wer_of(Path(base), args.test_set), wer_of(Path(other), args.test_set)
        change = 100.0 * (other_wer - base_wer) / max(base_wer, 1e-9)
        lines.append(f"| {label} | {base_wer:.1f} | {other_wer:.1f} | {change:+.1f}% |")
    text = "\n".join(lines) + "\n" + (f"\n{args.note}\n" if args.note else "")
    write_text_atomic(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
