"""Pseudo-label an unlabeled data dir with a teacher ASR model (CTC or RNN-T), in resumable shards.

    python -m bigssl.bin.pseudo_label --asr_train_config exp/asr_x/config.yaml \
        --asr_model_file exp/asr_x/valid.cer_ctc.ave.pth --data_dir dump/raw/train_unlabeled \
        --out_dir exp/nst_iter1/pseudo --nj 2 \
        [--decode_config conf/decode_nst.yaml] [--lm_train_config exp/lm/config.yaml \
        --lm_file exp/lm/valid.loss.ave.pth] [--confidence fused|posterior]

Without --decode_config/--lm_file: batched greedy decoding. With either: ESPnet beam search (LM
shallow fusion with an LM) gives every 1-best, and the confidence defaults to the
length-normalized fused score (see bigssl.nst.pseudo_label for the formulas).

Writes OUT/text (1-best), OUT/confidence (length-normalized confidence, in [0, 1]),
OUT/num_tokens, OUT/duration, OUT/wav.scp, OUT/utt2spk and OUT/throughput.json. A rerun redoes
only missing or incomplete shards.

Job arrays (one shard per job, e.g. through the recipe's cmd.sh, as stage 75 does):

    ${decode_cmd} JOB=1:4 exp/nst_iter1/log/pseudo_label.JOB.log \
        python -m bigssl.bin.pseudo_label ... --nj 4 --job_id JOB
    python -m bigssl.bin.pseudo_label ... --nj 4 --merge_only

Each job labels shard JOB (1-based; ``--shard_id`` is the same 0-based) unless it is already
complete; ``--merge_only`` labels nothing: it merges, after checking that every shard is complete.
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
        "--job_id",
        type=int,
        default=None,
        help="label only shard JOB of a 1-based job array (= --shard_id JOB-1), do not merge",
    )
    parser.add_argument(
        "--merge_only",
        action="store_true",
        help="merge the shards of a job array; fail naming the incomplete ones (labels nothing)",
    )
    parser.add_argument(
        "--batch_seconds",
        type=float,
        default=60.0,
        help="padded audio seconds per decoding batch",
    )
    parser.add_argument(
        "--decode_config",
        type=Path,
        default=None,
        help="YAML of Speech2Text options (beam_size (default 4), ctc_weight, lm_weight, "
        "penalty, ...): decode every utterance by beam search",
    )
    parser.add_argument(
        "--lm_train_config", type=Path, default=None, help="LM for shallow fusion"
    )
    parser.add_argument("--lm_file", type=Path, default=None)
    parser.add_argument(
        "--confidence",
        choices=("fused", "posterior"),
        default=None,
        help="fused: length-normalized fused (AM+LM) score; posterior: the acoustic model's "
        "own (default: fused with a beam, posterior otherwise)",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads per job")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    setup_logging()
    if args.job_id is not None:
        if args.shard_id is not None:
            parser.error("--job_id and --shard_id are the same option; give one")
        if not 1 <= args.job_id <= args.nj:
            parser.error(f"--job_id {args.job_id} is outside 1..{args.nj} (--nj)")
        args.shard_id = args.job_id - 1
    if args.merge_only and args.shard_id is not None:
        parser.error("--merge_only merges all shards; it takes no --job_id/--shard_id")
    for path in (args.asr_train_config, args.asr_model_file, args.data_dir / "wav.scp"):
        if not path.exists():
            parser.error(f"{path} does not exist")
    for path in (args.decode_config, args.lm_train_config, args.lm_file):
        if path is not None and not path.exists():
            parser.error(f"{path} does not exist")
    if (args.lm_train_config is None) != (args.lm_file is None):
        parser.error("--lm_train_config and --lm_file go together")
    if (
        args.confidence == "fused"
        and args.decode_config is None
        and args.lm_file is None
    ):
        parser.error(
            "--confidence fused needs --decode_config or --lm_file (a beam search)"
        )
    options = LabelOptions(
        asr_train_config=str(args.asr_train_config),
        asr_model_file=str(args.asr_model_file),
        batch_seconds=args.batch_seconds,
        threads=args.threads,
        device=args.device,
        decode_config=None if args.decode_config is None else str(args.decode_config),
        lm_train_config=(
            None if args.lm_train_config is None else str(args.lm_train_config)
        ),
        lm_file=None if args.lm_file is None else str(args.lm_file),
        confidence=args.confidence,
    )
    figures = pseudo_label(
        args.data_dir,
        args.out_dir,
        options,
        nj=args.nj,
        shard_id=args.shard_id,
        merge_only=args.merge_only,
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
