"""Filter a pseudo-label dir into a Kaldi data dir of the kept utterances (+ OUT/filter/ reports).

    python -m bigssl.bin.filter_pseudo --pseudo_dir PL --out_dir OUT --threshold 0.8
    python -m bigssl.bin.filter_pseudo --pseudo_dir PL --out_dir OUT --keep_top_percent 70 \
        [--min_tokens_per_sec 0.5] [--max_tokens_per_sec 30] \
        [--reference_text data/local/unlabeled_reference/text] [--title "generation 1"]

PL holds wav.scp, utt2spk, text, confidence, num_tokens, duration (same utterance ids). Sanity
filters (empty hypothesis, tokens/s outside [min, max]) run first, then the confidence rule: an
absolute threshold (keep >= t) or the top P% of the sane ones (ties by utterance id); with neither,
every sane utterance is kept. OUT/filter/ gets decisions, report.json, report.md and
confidence_hist.png; with --reference_text, report.* also give the WER of kept vs dropped vs all.
When PL also holds nbest_text.<k>/nbest_weight.<k> (pseudo_label --nbest K), they are checked and
the kept utterances' rows are written to OUT under the same names (for K-best student training).
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.nst.filtering import FilterRule, filter_pseudo_dir


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pseudo_dir", type=Path, required=True, help="pseudo-label dir written by the labeler")
    parser.add_argument("--out_dir", type=Path, required=True, help="Kaldi data dir of the kept utterances")
    rule = parser.add_mutually_exclusive_group()
    rule.add_argument("--threshold", type=float, default=None, help="keep confidence >= this, in [0, 1]")
    rule.add_argument("--keep_top_percent", type=float, default=None,
                      help="keep the top P%% (0 < P <= 100) by confidence of the sane utterances")
    parser.add_argument("--min_tokens_per_sec", type=float, default=0.5)
    parser.add_argument("--max_tokens_per_sec", type=float, default=30.0)
    parser.add_argument("--reference_text", type=Path, default=None,
                        help="true transcripts of the unlabeled audio, to measure the filter (WER kept vs dropped)")
    parser.add_argument("--title", default="", help="e.g. 'generation 1'")
    args = parser.parse_args(argv)
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        parser.error(f"--threshold must be in [0, 1], got {args.threshold}")
    if args.keep_top_percent is not None and not 0.0 < args.keep_top_percent <= 100.0:
        parser.error(f"--keep_top_percent must be in (0, 100], got {args.keep_top_percent}")
    if not 0.0 <= args.min_tokens_per_sec <= args.max_tokens_per_sec:
        parser.error("need 0 <= --min_tokens_per_sec <= --max_tokens_per_sec, got "
                     f"{args.min_tokens_per_sec} and {args.max_tokens_per_sec}")
    if args.reference_text is not None and not args.reference_text.is_file():
        parser.error(f"--reference_text {args.reference_text}: no such file")
    setup_logging()
    report = filter_pseudo_dir(
        args.pseudo_dir, args.out_dir,
        FilterRule(args.threshold, args.keep_top_percent, args.min_tokens_per_sec, args.max_tokens_per_sec),
        reference_text=args.reference_text, title=args.title,
    )
    counts, hours = report["counts"], report["hours"]
    logging.info("kept %d / %d utterances (%.2f h / %.2f h); dropped by reason: %s; report: %s",
                 counts["kept"], counts["total"], hours["kept"], hours["total"],  # type: ignore[index]
                 counts["dropped_by_reason"], args.out_dir / "filter" / "report.md")  # type: ignore[index]
    if report.get("nbest"):
        nbest = report["nbest"]
        logging.info("K-best: K=%d hypotheses per kept utterance written to %s/nbest_{text,weight}.1..%d "
                     "(%.2f usable per utterance on average)", nbest["k"], args.out_dir, nbest["k"],  # type: ignore[index]
                     nbest["mean_hypotheses"] or 0.0)  # type: ignore[index]


if __name__ == "__main__":
    main()
