"""Training throughput and decoding real-time factor of an ESPnet ASR config on this machine.

    python bench/bench_asr.py [--config egs/mini/asr1/conf/train_asr_conformer_ctc.yaml]
        [--batch_seconds 160] [--utt_seconds 3.5] [--steps 5] [--decode_utts 10]

Prints audio seconds processed per wall second for training steps (forward + backward +
optimizer) and the RTF of stock Speech2Text decoding (CTC prefix beam search from the recipe's
decode config). Uses random audio: speed does not depend on content. No assertions: figures only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
import yaml

from bigssl.espnet_compat import quiet_espnet_imports

REPO = Path(__file__).resolve().parents[1]


def build_model(config: dict, vocab: int):  # type: ignore[no-untyped-def]
    quiet_espnet_imports()
    from espnet2.tasks.asr import ASRTask

    parser = ASRTask.get_parser()
    args = parser.parse_args(
        ["--output_dir", "/tmp/unused", "--token_list", "/dev/null"]
    )
    for key, value in config.items():
        setattr(args, key, value)
    args.token_list = (
        ["<blank>", "<unk>"] + [f"t{i}" for i in range(vocab - 3)] + ["<sos/eos>"]
    )
    args.normalize = None
    return ASRTask.build_model(args), args


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=REPO / "egs/mini/asr1/conf/train_asr_conformer_ctc.yaml",
    )
    parser.add_argument(
        "--decode_config",
        type=Path,
        default=REPO / "egs/mini/asr1/conf/decode_ctc.yaml",
    )
    parser.add_argument("--vocab", type=int, default=150)
    parser.add_argument(
        "--batch_seconds",
        type=float,
        default=160.0,
        help="audio seconds per training batch",
    )
    parser.add_argument("--utt_seconds", type=float, default=3.5)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--decode_utts", type=int, default=10)
    args = parser.parse_args()

    config = yaml.safe_load(args.config.read_text())
    model, train_args = build_model(config, args.vocab)
    params = sum(p.numel() for p in model.parameters())
    batch = max(1, int(args.batch_seconds / args.utt_seconds))
    samples = int(args.utt_seconds * 16000)
    tokens = max(2, int(args.utt_seconds * 5))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()

    def step() -> None:
        speech = torch.randn(batch, samples) * 0.1
        text = torch.randint(2, args.vocab - 1, (batch, tokens))
        loss, _, _ = model(
            speech=speech,
            speech_lengths=torch.full((batch,), samples),
            text=text,
            text_lengths=torch.full((batch,), tokens),
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()  # warm-up
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    elapsed = time.perf_counter() - start
    train_rate = args.steps * batch * args.utt_seconds / elapsed

    with tempfile.TemporaryDirectory() as tmp:
        config_path, model_path = Path(tmp) / "config.yaml", Path(tmp) / "model.pth"
        saved = dict(vars(train_args))
        saved.update(normalize=None, normalize_conf={})
        config_path.write_text(
            yaml.safe_dump({k: v for k, v in saved.items() if _yamlable(v)})
        )
        torch.save(model.state_dict(), model_path)
        from bigssl.asr.decode import load_speech2text

        decode_conf = yaml.safe_load(args.decode_config.read_text()) or {}
        speech2text = load_speech2text(config_path, model_path, decode_conf)
        start = time.perf_counter()
        with torch.no_grad():
            for _ in range(args.decode_utts):
                speech2text(torch.randn(samples) * 0.1)
        rtf = (time.perf_counter() - start) / (args.decode_utts * args.utt_seconds)

    print(
        f"config: {args.config} ({params / 1e6:.2f} M parameters), torch threads: {torch.get_num_threads()}"
    )
    print(
        f"training: {train_rate:.1f} audio s / wall s (batch {batch} x {args.utt_seconds:.1f} s, {args.steps} steps)"
    )
    print(
        f"decoding: RTF {rtf:.4f} ({1 / rtf:.0f}x real time, beam {decode_conf.get('beam_size')}, batch 1)"
    )


def _yamlable(value: object) -> bool:
    try:
        yaml.safe_dump(value)
        return True
    except yaml.representer.RepresenterError:
        return False


if __name__ == "__main__":
    main()
