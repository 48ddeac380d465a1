"""Score a hypothesis ``text`` file against a reference ``text`` file (WER or CER)."""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.io_utils import atomic_open, read_kv, write_text_atomic
from bigssl.score.wer import align, score, tokenize


def write_score_dir(ref_file: Path, hyp_file: Path, out_dir: Path, unit: str) -> dict:
    """Write ``result.json`` (the table row) and ``alignments.txt`` (per utterance)."""
    refs, hyps = read_kv(ref_file), read_kv(hyp_file)
    counts = score(refs, hyps, unit)
    row = counts.row()
    with atomic_open(out_dir / "alignments.txt") as handle:
        for utt in sorted(refs):
            ref, hyp = tokenize(refs[utt], unit), tokenize(hyps[utt], unit)
            ops = align(ref, hyp)
            errors, ref_len = counts.per_utt[utt]
            handle.write(f"{utt} errors={errors} ref_len={ref_len}\nREF: {refs[utt]}\nHYP: {hyps[utt]}\nOPS: {''.join(ops)}\n\n")
    write_text_atomic(out_dir / "result.json", json.dumps(row, indent=2) + "\n")
    logging.info("%s %s: %s", hyp_file, unit.upper(), row)
    return row


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ref", type=Path, required=True)
    parser.add_argument("--hyp", type=Path, required=True)
    parser.add_argument("--out_dir", type=Path, required=True)
    parser.add_argument("--unit", choices=["word", "char"], default="word")
    args = parser.parse_args(argv)
    setup_logging()
    write_score_dir(args.ref, args.hyp, args.out_dir, args.unit)


if __name__ == "__main__":
    main()
