"""Pretraining throughput next to a plain CTC training step of the same encoder.

Both models share the frontend, normalization and encoder config of a pretraining YAML; the CTC
model is ESPnet's ESPnetASRModel (ctc_weight=1, no decoder) trained on random token targets.
Each timed step is forward + backward + Adam update on the same random audio batch; SSL and CTC
steps alternate one by one, so that load drift on a shared machine hits both alike, and the
median and the fastest step of each are reported.

    python bench/bench_ssl.py --config egs/TEMPLATE/asr1/conf/ssl/pretrain_tiny.yaml
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Callable, List

import torch

from bigssl.espnet_compat import quiet_espnet_imports

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = (
    REPO / "egs" / "TEMPLATE" / "asr1" / "conf" / "ssl" / "pretrain_tiny.yaml"
)


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument(
        "--seconds", type=float, default=4.0, help="length of every utterance"
    )
    parser.add_argument("--steps", type=int, default=9, help="timed steps per model")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per model")
    parser.add_argument("--vocab", type=int, default=100, help="CTC vocabulary size")
    parser.add_argument(
        "--device", default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    return parser


def build_models(config: Path, vocab: int, device: str):
    """The pretraining model of ``config`` and an ESPnet CTC model with the same encoder config."""
    quiet_espnet_imports()
    from bench_scale import (  # this folder is on sys.path when run as a script
        build_ctc,
        build_ssl,
    )

    ssl, args = build_ssl(config, torch.device(device))
    return ssl, build_ctc(ssl, args, vocab).to(device)


def make_step(model: torch.nn.Module, batch: dict) -> Callable[[], None]:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()

    def step() -> None:
        loss, _, _ = model(**batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def timed(step: Callable[[], None], count: int, device: str) -> float:
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(count):
        step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / count


def main(argv: List[str] | None = None) -> None:
    args = get_parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ssl, ctc = build_models(args.config, args.vocab, args.device)
    samples = int(args.seconds * 16000)
    speech = torch.randn(args.batch_size, samples, device=args.device) * 0.1
    lengths = torch.full((args.batch_size,), samples, device=args.device)
    num_tokens = max(
        1, int(args.seconds * 3)
    )  # ~3 tokens/s, well under the CTC frame count
    text = torch.randint(
        2, args.vocab - 1, (args.batch_size, num_tokens), device=args.device
    )
    text_lengths = torch.full((args.batch_size,), num_tokens, device=args.device)

    ssl_step = make_step(ssl, dict(speech=speech, speech_lengths=lengths))
    ctc_step = make_step(
        ctc,
        dict(
            speech=speech, speech_lengths=lengths, text=text, text_lengths=text_lengths
        ),
    )
    timed(ssl_step, args.warmup, args.device)
    timed(ctc_step, args.warmup, args.device)
    ssl_times, ctc_times = [], []
    for _ in range(args.steps):
        ssl_times.append(timed(ssl_step, 1, args.device))
        ctc_times.append(timed(ctc_step, 1, args.device))

    audio = args.batch_size * args.seconds
    ssl_t, ctc_t = statistics.median(ssl_times), statistics.median(ctc_times)
    ssl_min, ctc_min = min(ssl_times), min(ctc_times)
    enc_params = sum(p.numel() for p in ssl.encoder.parameters())
    print(f"config: {args.config}")
    print(
        f"device: {args.device} (torch threads: {torch.get_num_threads()}), "
        f"encoder params: {enc_params / 1e6:.2f}M"
    )
    print(
        f"batch: {args.batch_size} x {args.seconds:g} s = {audio:g} s of audio; "
        f"{args.steps} alternating steps per model"
    )
    print(
        f"{'step':<28}{'median s':>10}{'audio s/wall s':>16}{'fastest s':>11}"
        f"{'audio s/wall s':>16}"
    )
    for name, med, fast in (
        ("wav2vec2 pretraining", ssl_t, ssl_min),
        ("CTC (ESPnet, same encoder)", ctc_t, ctc_min),
    ):
        print(
            f"{name:<28}{med:>10.4f}{audio / med:>16.1f}{fast:>11.4f}{audio / fast:>16.1f}"
        )
    print(
        f"pretraining / CTC step time: {ssl_t / ctc_t:.2f}x median, "
        f"{ssl_min / ctc_min:.2f}x fastest (aim <= 1.3x)"
    )


if __name__ == "__main__":
    main()
