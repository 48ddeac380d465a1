"""Pseudo-labeling throughput of a trained teacher (CTC or RNN-T) on this machine, per batch size.

    python bench/bench_pseudo_label.py [--exp_dir egs/mini/asr1/exp/asr_ssl_iter1_n1200]
        [--model valid.cer_ctc.ave.pth] [--data_dir egs/mini/asr1/dump/raw/train_unlabeled]
        [--utts 200] [--batch_seconds 15 30 60 120] [--threads 1]

Decodes the same utterances (real audio, greedy, with per-token confidences, as
``bigssl.bin.pseudo_label`` does) at each padded batch size and prints audio seconds per wall
second, excluding model loading and audio reading. One process: multiply by ``--nj`` for shards
on separate cores. No assertions: figures only.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import soundfile

from bigssl.io_utils import read_kv
from bigssl.nst.pseudo_label import LabelOptions, Teacher, make_batches

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "egs/mini/asr1"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--exp_dir", type=Path, default=MINI / "exp/asr_ssl_iter1_n1200"
    )
    parser.add_argument("--model", default="valid.cer_ctc.ave.pth")
    parser.add_argument(
        "--data_dir", type=Path, default=MINI / "dump/raw/train_unlabeled"
    )
    parser.add_argument("--utts", type=int, default=200)
    parser.add_argument(
        "--batch_seconds", type=float, nargs="+", default=[15.0, 30.0, 60.0, 120.0]
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if not (args.exp_dir / args.model).is_file():
        raise SystemExit(
            f"{args.exp_dir / args.model} not found: train a teacher first (egs/mini/asr1/run_nst.sh), or pass --exp_dir/--model"
        )

    import os

    args.exp_dir, args.data_dir = (
        args.exp_dir.resolve(),
        args.data_dir.resolve(),
    )  # before leaving the caller's directory
    os.chdir(
        MINI
        if args.exp_dir.resolve().is_relative_to(MINI.resolve())
        else args.exp_dir.parent.parent
    )  # config paths are recipe-relative
    teacher = Teacher(
        LabelOptions(
            asr_train_config=str((args.exp_dir / "config.yaml").resolve()),
            asr_model_file=str((args.exp_dir / args.model).resolve()),
            threads=args.threads,
        )
    )
    wav_scp = dict(
        list(read_kv(args.data_dir.resolve() / "wav.scp").items())[: args.utts]
    )
    audio = {
        utt: soundfile.read(path, dtype="float32")[0] for utt, path in wav_scp.items()
    }
    durations = {utt: len(wave) / 16000 for utt, wave in audio.items()}
    total = sum(durations.values())
    kind = "RNN-T" if teacher.is_transducer else "CTC"
    print(
        f"teacher {args.exp_dir.name}/{args.model} ({kind}), {len(audio)} utterances, {total:.0f} s of audio, {args.threads} thread(s)"
    )
    print("| padded batch (s) | batches | mean utts/batch | audio s / wall s |")
    print("|---|---|---|---|")
    teacher.label_batch([audio[next(iter(audio))]])  # warm-up
    for batch_seconds in args.batch_seconds:
        batches = make_batches(durations, batch_seconds)
        start = time.perf_counter()
        for batch in batches:
            teacher.label_batch([audio[u] for u in batch])
        elapsed = time.perf_counter() - start
        print(
            f"| {batch_seconds:g} | {len(batches)} | {len(audio) / len(batches):.1f} | {total / elapsed:.1f} |"
        )


if __name__ == "__main__":
    main()
