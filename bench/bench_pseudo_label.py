"""Pseudo-labeling throughput of a trained teacher (CTC or RNN-T) on this machine, per batch size.

    python bench/bench_pseudo_label.py [--exp_dir egs/mini/asr1/exp/asr_ssl_iter1_n1200]
        [--model valid.cer_ctc.ave.pth] [--data_dir egs/mini/asr1/dump/raw/train_unlabeled]
        [--utts 200] [--batch_seconds 15 30 60 120] [--threads 1]
        [--decode_config conf/decode_ctc_lm.yaml --lm_exp exp/lm_train_lm]   # the beam path

Greedy (default): decodes the same utterances (real audio, greedy, with per-token confidences, as
``bigssl.bin.pseudo_label`` does) at each padded batch size. Beam (``--decode_config``, with
``--lm_exp`` for shallow fusion): first ESPnet's per-utterance search (``Speech2Text``, the
reference), then the batched search (:mod:`bigssl.asr.batch_beam`) at each batch size, with the
number of utterances whose 1-best text or confidence differs from the reference. Prints audio
seconds per wall second (RTFx), excluding model loading and audio reading. One process: multiply
by ``--nj`` for shards on separate cores. No assertions: figures only.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import soundfile

from bigssl.io_utils import read_kv
from bigssl.nst.pseudo_label import LabelOptions, Teacher, make_batches

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "egs/mini/asr1"
Row = Tuple[str, int, float]


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--exp_dir", type=Path, default=MINI / "exp/asr_ssl_iter1_n1200")
    add("--model", default="valid.cer_ctc.ave.pth")
    add("--data_dir", type=Path, default=MINI / "dump/raw/train_unlabeled")
    add("--utts", type=int, default=200)
    add("--batch_seconds", type=float, nargs="+", default=[15.0, 30.0, 60.0, 120.0])
    add("--threads", type=int, default=1)
    add("--decode_config", type=Path, help="Speech2Text options: the beam path")
    add("--lm_exp", type=Path, help="LM exp dir (config.yaml + --lm_model) for fusion")
    add("--lm_model", default="valid.loss.ave.pth")
    return parser


def build_teacher(args: argparse.Namespace, beam_batch: bool) -> Teacher:
    """The teacher with the bench's options (paths resolved before any chdir)."""
    lm = {}
    if args.lm_exp is not None:
        lm = {
            "lm_train_config": str(args.lm_exp / "config.yaml"),
            "lm_file": str(args.lm_exp / args.lm_model),
        }
    return Teacher(
        LabelOptions(
            asr_train_config=str(args.exp_dir / "config.yaml"),
            asr_model_file=str(args.exp_dir / args.model),
            threads=args.threads,
            decode_config=str(args.decode_config) if args.decode_config else None,
            beam_batch=beam_batch,
            **lm,
        )
    )


def timed(label, batches: List[List[str]], audio: Dict[str, np.ndarray]):  # type: ignore[no-untyped-def]
    """(rows per utterance, wall seconds) of ``label(waves)`` over ``batches``."""
    rows: Dict[str, Row] = {}
    start = time.perf_counter()
    for batch in batches:
        rows.update(zip(batch, label([audio[u] for u in batch])))
    return rows, time.perf_counter() - start


def main() -> None:
    args = get_parser().parse_args()
    for name in ("exp_dir", "data_dir", "decode_config", "lm_exp"):
        path = getattr(args, name)
        setattr(args, name, path.resolve() if path is not None else None)
    if not (args.exp_dir / args.model).is_file():
        raise SystemExit(
            f"{args.exp_dir / args.model} not found: pass --exp_dir/--model"
        )
    inside = args.exp_dir.is_relative_to(MINI.resolve())
    os.chdir(MINI if inside else args.exp_dir.parent.parent)  # recipe-relative configs
    beam = args.decode_config is not None or args.lm_exp is not None
    wav_scp = list(read_kv(args.data_dir / "wav.scp").items())[: args.utts]
    audio = {utt: soundfile.read(path, dtype="float32")[0] for utt, path in wav_scp}
    durations = {utt: len(wave) / 16000 for utt, wave in audio.items()}
    total = sum(durations.values())
    teacher = build_teacher(args, beam_batch=True)
    kind = "RNN-T" if teacher.is_transducer else "CTC"
    mode = (
        f"beam ({args.decode_config.name}{', LM' if args.lm_exp else ''})"
        if beam
        else "greedy"
    )
    print(
        f"teacher {args.exp_dir.name}/{args.model} ({kind}), {mode}, {len(audio)} utterances, "
        f"{total:.0f} s of audio, {args.threads} thread(s)"
    )
    label = teacher.label_beam_batch if beam else teacher.label_batch
    label([audio[next(iter(audio))]])  # warm-up
    reference = None
    if beam:
        single = build_teacher(args, beam_batch=False)
        one_by_one = lambda waves: [single.label_beam(w) for w in waves]  # noqa: E731
        reference, elapsed = timed(one_by_one, [[u] for u in audio], audio)
        print(
            f"per-utterance search (Speech2Text): {total / elapsed:.1f} audio s / wall s"
        )
    print(
        "| padded batch (s) | batches | mean utts/batch | audio s / wall s | 1-best text differs | confidence differs |"
    )
    print("|---|---|---|---|---|---|")
    for batch_seconds in args.batch_seconds:
        batches = make_batches(durations, batch_seconds)
        rows, elapsed = timed(label, batches, audio)
        text_diff = conf_diff = "-"
        if reference is not None:
            text_diff = str(sum(rows[u][0] != reference[u][0] for u in audio))
            conf_diff = str(
                sum(abs(rows[u][2] - reference[u][2]) > 1e-6 for u in audio)
            )
        print(
            f"| {batch_seconds:g} | {len(batches)} | {len(audio) / len(batches):.1f} | "
            f"{total / elapsed:.1f} | {text_diff} | {conf_diff} |"
        )


if __name__ == "__main__":
    main()
