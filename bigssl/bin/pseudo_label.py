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

from espnet2.utils.types import str2bool

from bigssl.cli import setup_logging
from bigssl.nst.pseudo_label import (
    CONFIDENCE_KINDS,
    LabelOptions,
    job_shard,
    pseudo_label,
)

JOB_ID_HELP = (
    "label only shard JOB of a 1-based job array (= --shard_id JOB-1), do not merge"
)
MERGE_ONLY_HELP = (
    "merge the shards of a job array; fail naming the incomplete ones (labels nothing)"
)
CONFIDENCE_HELP = (
    "fused: length-normalized fused (AM+LM) score; posterior: the acoustic model's own "
    "(default: fused with a beam, posterior otherwise)"
)


BEAM_BATCH_HELP = "beam path: search a batch's utterances at once (false: one by one)"


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--asr_train_config", required=True)
    add("--asr_model_file", required=True)
    add(
        "--data_dir", type=Path, required=True, help="data dir with wav.scp and utt2spk"
    )
    add("--out_dir", type=Path, required=True)
    add("--nj", type=int, default=1, help="shards (run in parallel unless --shard_id)")
    add("--shard_id", type=int, help="label only this shard (0-based), do not merge")
    add("--job_id", type=int, help=JOB_ID_HELP)
    add("--merge_only", action="store_true", help=MERGE_ONLY_HELP)
    add("--batch_seconds", type=float, default=60.0, help="padded audio s per batch")
    add("--decode_config", help="YAML of Speech2Text options: beam search")
    add("--lm_train_config", help="LM for shallow fusion (with --lm_file)")
    add("--lm_file")
    add("--confidence", choices=CONFIDENCE_KINDS, help=CONFIDENCE_HELP)
    add("--beam_batch", type=str2bool, default=True, help=BEAM_BATCH_HELP)
    add("--threads", type=int, default=1, help="torch threads per job")
    add("--device", default="cpu")
    args = parser.parse_args(argv)
    setup_logging()
    try:
        shard_id = job_shard(args.nj, args.shard_id, args.job_id, args.merge_only)
        options = LabelOptions(
            asr_train_config=args.asr_train_config,
            asr_model_file=args.asr_model_file,
            batch_seconds=args.batch_seconds,
            threads=args.threads,
            device=args.device,
            decode_config=args.decode_config,
            lm_train_config=args.lm_train_config,
            lm_file=args.lm_file,
            confidence=args.confidence,
            beam_batch=args.beam_batch,
        )
        options.check_files()
        if not (args.data_dir / "wav.scp").exists():
            raise ValueError(f"{args.data_dir / 'wav.scp'} does not exist")
    except ValueError as error:
        parser.error(str(error))
    figures = pseudo_label(
        args.data_dir, args.out_dir, options, nj=args.nj, shard_id=shard_id,
        merge_only=args.merge_only,
    )  # fmt: skip
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
