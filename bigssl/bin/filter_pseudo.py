"""Filter a pseudo-label dir into a Kaldi data dir of the kept utterances (+ OUT/filter/ reports).

    python -m bigssl.bin.filter_pseudo --pseudo_dir PL --out_dir OUT --threshold 0.8
    python -m bigssl.bin.filter_pseudo --pseudo_dir PL --out_dir OUT --keep_top_percent 70 \
        [--min_tokens_per_sec 0.5] [--max_tokens_per_sec 30] [--min_duration 0.5] [--min_confidence 0] \
        [--reference_text data/local/unlabeled_reference/text] [--title "generation 1"]

PL holds wav.scp, utt2spk, text, confidence, num_tokens, duration (same utterance ids). Sanity
filters (empty hypothesis, shorter than --min_duration, tokens/s outside [min, max], confidence
below the absolute floor --min_confidence) run first, then the confidence rule: an
absolute threshold (keep >= t) or the top P% of the sane ones (ties by utterance id); with neither,
every sane utterance is kept. OUT/filter/ gets decisions, report.json, report.md and
confidence_hist.png; with --reference_text, report.* also give the WER of kept vs dropped vs all.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.nst.filter_rules import FilterRule
from bigssl.nst.filtering import filter_pseudo_dir


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pseudo_dir",
        type=Path,
        required=True,
        help="pseudo-label dir written by the labeler",
    )
    parser.add_argument(
        "--out_dir",
        type=Path,
        required=True,
        help="Kaldi data dir of the kept utterances",
    )
    rules = parser.add_mutually_exclusive_group()
    rules.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="keep confidence >= this, in [0, 1]",
    )
    rules.add_argument(
        "--keep_top_percent",
        type=float,
        default=None,
        help="keep the top P%% (0 < P <= 100) by confidence of the sane utterances",
    )
    parser.add_argument("--min_tokens_per_sec", type=float, default=0.5)
    parser.add_argument("--max_tokens_per_sec", type=float, default=30.0)
    parser.add_argument(
        "--min_duration",
        type=float,
        default=0.5,
        help="drop audio shorter than this (seconds): fragments (mini dev speech: >= 0.66 s)",
    )
    parser.add_argument(
        "--min_confidence",
        type=float,
        default=0.0,
        help="absolute confidence floor beside --threshold/--keep_top_percent (0: none). Its scale "
        "depends on the confidence kind; mini dev, 10 %% teacher: greedy posterior speech 0.71-0.93, "
        "white noise 0.52-0.88 (a 0.7 floor drops 17/30 noise, 0/100 speech); LM-fused: speech "
        "0.035-0.147, noise 0.039-0.124 (no floor separates them)",
    )
    parser.add_argument(
        "--reference_text",
        type=Path,
        default=None,
        help="true transcripts of the unlabeled audio, to measure the filter (WER kept vs dropped)",
    )
    parser.add_argument("--title", default="", help="e.g. 'generation 1'")
    args = parser.parse_args(argv)
    try:
        rule = FilterRule(
            args.threshold,
            args.keep_top_percent,
            args.min_tokens_per_sec,
            args.max_tokens_per_sec,
            args.min_duration,
            args.min_confidence,
        )
    except ValueError as exc:
        parser.error(str(exc))
    if args.reference_text is not None and not args.reference_text.is_file():
        parser.error(f"--reference_text {args.reference_text}: no such file")
    setup_logging()
    filter_pseudo_dir(
        args.pseudo_dir,
        args.out_dir,
        rule,
        reference_text=args.reference_text,
        title=args.title,
    )


if __name__ == "__main__":
    main()
