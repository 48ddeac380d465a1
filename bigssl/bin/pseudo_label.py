"""Pseudo-label an unlabeled data dir with a teacher ASR model (CTC or RNN-T), in resumable shards.

    python -m bigssl.bin.pseudo_label --asr_train_config exp/asr_x/config.yaml \
        --asr_model_file exp/asr_x/valid.cer_ctc.ave.pth --data_dir dump/raw/train_unlabeled \
        --out_dir exp/nst_iter1/pseudo --nj 2 [--nbest 4]

Writes OUT/text (1-best), OUT/confidence (length-normalized mean token posterior, in [0, 1]),
OUT/num_tokens, OUT/duration, OUT/wav.scp, OUT/utt2spk, optionally OUT/nbest_text.<k> and
OUT/nbest_weight.<k>, and OUT/throughput.json. A rerun redoes only missing or incomplete shards.
For job arrays run each ``--shard_id i`` separately, then once without it to merge.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import List, Optional

from bigssl.cli import setup_logging
from bigssl.nst.pseudo_label import LabelOptions, pseudo_label


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--asr_train_config", type=Path, required=True)
    parser.add_argument("--asr_model_file", type=Path, required=True)
    parser.add_argument(
        "--data_dir", type=Path, required=True, help="data dir with wav.scp and utt2spk"
    )
    parser.add_argument("--out_dir", type=Path, required=True)
    parser.add_argument(
        "--nj",
        type=int,
        default=1,
        help="number of shards (run in parallel unless --shard_id)",
    )
    parser.add_argument(
        "--shard_id",
        type=int,
        default=None,
        help="label only this shard (0-based), do not merge",
    )
    parser.add_argument(
        "--batch_seconds",
        type=float,
        default=60.0,
        help="padded audio seconds per decoding batch",
    )
    parser.add_argument(
        "--nbest",
        type=int,
        default=1,
        help="also keep the K best hypotheses (beam search) with posterior weights",
    )
    parser.add_argument("--nbest_beam", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per job")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    setup_logging()
    for path in (args.asr_train_config, args.asr_model_file, args.data_dir / "wav.scp"):
        if not path.exists():
            parser.error(f"{path} does not exist")
    options = LabelOptions(
        asr_train_config=str(args.asr_train_config),
        asr_model_file=str(args.asr_model_file),
        batch_seconds=args.batch_seconds,
        nbest=args.nbest,
        nbest_beam=args.nbest_beam,
        threads=args.threads,
        device=args.device,
    )
    figures = pseudo_label(
        args.data_dir, args.out_dir, options, nj=args.nj, shard_id=args.shard_id
    )
    if figures:
        rate = figures.get("audio_seconds_per_second")
        logging.info(
            "pseudo-labeled %d utterances (%.1f h of audio) -> %s%s",
            figures["utterances"],
            figures["audio_seconds"] / 3600,
            args.out_dir,
            f"; {rate:.1f} audio s/s with nj={args.nj}" if rate else "",
        )


if __name__ == "__main__":
    main()
