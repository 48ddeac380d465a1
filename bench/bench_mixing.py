"""Padding of NST mixed batches: the random layout against the length-bucketed one.

    python bench/bench_mixing.py [--data_dir DIR] [--labeled 1200] [--pseudo 3840]
        [--min_s 1] [--max_s 5] [--batch_size 10] [--ratio 0.1] [--seeds 3] [--jitter 0 0.05 0.1 0.2]

Prints the padding factor ``sum_b batch_size_b x max_len_b / sum(len)`` (1 = no padding; a batch
costs about batch size x its longest utterance) of :class:`bigssl.asr.mixing.MixedBatchSampler`
with ``bucketed=False`` and with ``bucketed=True`` at several length jitters, the mean over seeds.
``--data_dir`` reads a student data dir (``utt2group`` and ``speech_shape`` or
``shapes/speech_shape``); otherwise a synthetic mini-corpus-like set is written: lengths uniform
in ``[min_s, max_s]`` seconds at 16 kHz. No assertions: figures only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from bigssl.asr.mixing import MixedBatchSampler, padding_factor  # noqa: E402


def synthetic_dir(
    root: Path, labeled: int, pseudo: int, min_s: float, max_s: float
) -> Tuple[Path, Path]:
    """speech_shape + utt2group with uniform random lengths; returns (shape file, utt2group)."""
    rng = np.random.RandomState(0)
    utts = [(f"lab{i:05d}", "labeled") for i in range(labeled)] + [
        (f"pse{i:05d}", "pseudo") for i in range(pseudo)
    ]
    lengths = rng.uniform(min_s * 16000, max_s * 16000, len(utts)).astype(int)
    (root / "speech_shape").write_text(
        "".join(f"{u} {n}\n" for (u, _), n in zip(utts, lengths))
    )
    (root / "utt2group").write_text("".join(f"{u} {g}\n" for u, g in utts))
    return root / "speech_shape", root / "utt2group"


def real_dir(data_dir: Path) -> Tuple[Path, Path]:
    """(shape file, utt2group) of a student data dir."""
    for shape in (data_dir / "speech_shape", data_dir / "shapes" / "speech_shape"):
        if shape.is_file():
            return shape, data_dir / "utt2group"
    raise FileNotFoundError(f"{data_dir}: no speech_shape or shapes/speech_shape")


def read_lengths(shape: Path) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for line in shape.read_text().splitlines():
        if line.strip():
            utt, value = line.split(maxsplit=1)
            out[utt] = int(value.split(",")[0])
    return out


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", type=Path, default=None)
    parser.add_argument("--labeled", type=int, default=1200)
    parser.add_argument("--pseudo", type=int, default=3840)
    parser.add_argument("--min_s", type=float, default=1.0)
    parser.add_argument("--max_s", type=float, default=5.0)
    parser.add_argument("--batch_size", type=int, default=10)
    parser.add_argument("--ratio", type=float, default=0.1)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--jitter", type=float, nargs="+", default=[0.0, 0.05, 0.1, 0.2]
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.data_dir is not None:
            shape, groups = real_dir(args.data_dir)
            source = str(args.data_dir)
        else:
            shape, groups = synthetic_dir(
                Path(tmp), args.labeled, args.pseudo, args.min_s, args.max_s
            )
            source = (
                f"synthetic: {args.labeled} labeled + {args.pseudo} pseudo, "
                f"uniform {args.min_s:g}-{args.max_s:g} s"
            )
        lengths = read_lengths(shape)
        print(
            f"{source}; batch_size {args.batch_size}, labeled ratio {args.ratio:g}, "
            f"seeds 0..{args.seeds - 1}"
        )
        layouts = [("random", False, 0.0)] + [
            (f"bucketed jitter {j:g}", True, j) for j in args.jitter
        ]
        baseline = None
        for name, bucketed, jitter in layouts:
            factors, batches, start = [], 0, time.perf_counter()
            for seed in range(args.seeds):
                sampler = MixedBatchSampler(
                    args.batch_size,
                    str(shape),
                    str(groups),
                    args.ratio,
                    seed,
                    bucketed=bucketed,
                    length_jitter=jitter,
                )
                factors.append(padding_factor(sampler.batch_list, lengths))
                batches = len(sampler)
            seconds = (time.perf_counter() - start) / args.seeds
            mean = float(np.mean(factors))
            baseline = baseline or mean
            print(
                f"  {name:22s} padding factor {mean:.3f} (seeds {min(factors):.3f}-{max(factors):.3f}), "
                f"compute vs random {mean / baseline:.2f}x; {batches} batches, built in {seconds:.2f} s"
            )


if __name__ == "__main__":
    main()
