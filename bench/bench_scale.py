"""Training throughput, model-FLOPs utilization (MFU), peak memory and pseudo-labeling speed.

    python bench/bench_scale.py                          # CPU: the mini model, fp32
    python bench/bench_scale.py --config egs/TEMPLATE/asr1/conf/ssl/pretrain_xl.yaml \
        --device cuda --dtype bf16 --batch_size 16 --seconds 15     # XL on one GPU

Measures, on random audio of one length (no data loading; the model's work only):

1. the device's matrix-product peak in the timed dtype (one large square product), the ceiling
   MFU is also quoted against (besides the datasheet's dense peak where the device is known);
2. a wav2vec 2.0 pretraining step (forward, backward, Adam) of the config's model under
   autocast: audio seconds per second, counted FLOPs (``bigssl.training.flops``), MFU, peak
   memory next to ``bigssl.bin.model_info``'s estimate;
3. a CTC training step of the same encoder (ESPnet's ESPnetASRModel; a student's step): audio
   s/s and output tokens/s;
4. CTC pseudo-labeling (encoder forward + greedy CTC in inference mode) per batch size: RTFx,
   i.e. audio seconds labeled per wall second, model compute only (audio reading and writing
   labels are not included).

Prints a table with the device, versions and the exact command; ``--json FILE`` saves it.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import torch

from bigssl.espnet_compat import quiet_espnet_imports
from bigssl.training.compile import compile_encoder_blocks

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO / "egs" / "mini" / "asr1" / "conf" / "ssl" / "pretrain_mini.yaml"
# Dense (no sparsity) peak of the matrix units by the vendors' datasheets, FLOP/s.
DATASHEET_PEAK = {
    ("H100", "bf16"): 989e12,
    ("H200", "bf16"): 989e12,
    ("H100", "fp32"): 67e12,
    ("H200", "fp32"): 67e12,
    ("A100", "bf16"): 312e12,
}
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
TOKENS_PER_SECOND = (
    3.0  # output tokens per audio second of the CTC step (BPE-like rate)
)


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0, help="utterance length")
    parser.add_argument("--steps", type=int, default=5, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--vocab", type=int, default=1024, help="CTC vocabulary")
    parser.add_argument(
        "--label_batch_sizes",
        type=int,
        nargs="*",
        default=[1, 8, 32],
        help="pseudo-labeling batch sizes (utterances of --seconds); none to skip",
    )
    parser.add_argument(
        "--device", default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument(
        "--dtype",
        choices=sorted(DTYPES),
        default=None,
        help="autocast dtype (default: bf16 on CUDA, fp32 on CPU)",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["ssl", "ctc", "label", "matmul"]
    )
    parser.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile each encoder block (fuses the elementwise work between matmuls)",
    )
    parser.add_argument(
        "--fused_adam",
        action="store_true",
        help="torch.optim.Adam(fused=True) (what optim_conf: {fused: true} gives in ESPnet)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print the N operators with the most device time in one pretraining step",
    )
    parser.add_argument("--json", type=Path, default=None, help="write results here")
    return parser


def profile_events(step: Callable[[], None], device: torch.device) -> Tuple[Any, str]:
    """torch.profiler's per-operator averages of one step (after one untimed) and the key to sort
    them by: self device time on CUDA, self CPU time on a CPU."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU]
    sort_by = "self_cpu_time_total"
    if device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
        sort_by = "self_cuda_time_total"
    step()
    synchronize(device)
    with profile(activities=activities) as prof:
        step()
        synchronize(device)
    return prof.key_averages(), sort_by


def profile_step(step: Callable[[], None], device: torch.device, top: int) -> str:
    """The ``top`` operators by self device time (CPU time on a CPU) of one step, as a table."""
    events, sort_by = profile_events(step, device)
    return events.table(sort_by=sort_by, row_limit=top)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} thread(s)"


def datasheet_peak(name: str, dtype: str) -> Optional[float]:
    for (chip, kind), peak in DATASHEET_PEAK.items():
        if chip in name and kind == dtype:
            return peak
    return None


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_steps(
    step: Callable[[], Any], device: torch.device, warmup: int, steps: int
) -> List[float]:
    """Wall seconds of each of ``steps`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        synchronize(device)
        start = time.perf_counter()
        step()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def matmul_peak(device: torch.device, dtype: torch.dtype) -> float:
    """FLOP/s of a large square matrix product on random data (the measured ceiling)."""
    n = 8192 if device.type == "cuda" else 1024
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    times = time_steps(lambda: a @ b, device, warmup=2, steps=5)
    return 2 * n**3 / statistics.median(times)


def reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory(device: torch.device) -> float:
    """Peak bytes allocated on the GPU since the last reset; on CPU the process's peak RSS."""
    if device.type == "cuda":
        return float(torch.cuda.max_memory_allocated(device))
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def build_ssl(config: Path, device: torch.device):
    """The pretraining model of ``config`` (utterance MVN: no stats file needed) and its args."""
    from bigssl.ssl.task import build_model_from_config

    model, args = build_model_from_config(config)
    return model.to(device), args


def build_ctc(ssl_model: torch.nn.Module, args: argparse.Namespace, vocab: int):
    """ESPnet's CTC model: a new encoder of the same config, the pretraining model's frontend."""
    from espnet2.asr.ctc import CTC
    from espnet2.asr.encoder.conformer_encoder import ConformerEncoder
    from espnet2.asr.espnet_model import ESPnetASRModel

    frontend = ssl_model.frontend
    encoder = ConformerEncoder(input_size=frontend.output_size(), **args.encoder_conf)
    tokens = ["<blank>", "<unk>"] + [f"t{i}" for i in range(vocab - 3)] + ["<sos/eos>"]
    return ESPnetASRModel(
        vocab_size=len(tokens),
        token_list=tokens,
        frontend=frontend,
        specaug=None,
        normalize=ssl_model.normalize,
        preencoder=None,
        encoder=encoder,
        postencoder=None,
        decoder=None,
        ctc=CTC(len(tokens), encoder.output_size()),
        joint_network=None,
        ctc_weight=1.0,
        report_cer=False,
        report_wer=False,
    )


def training_step(
    model: torch.nn.Module,
    batch: Dict[str, torch.Tensor],
    device,
    dtype,
    fused_adam: bool = False,
    optimizer_kwargs: Optional[Mapping[str, Any]] = None,
) -> Callable[[], None]:
    """One training step (autocast forward, backward, Adam) of ``model`` on ``batch``.

    ``optimizer_kwargs`` go to ``torch.optim.Adam`` (lr 1e-5 unless given); ``fused_adam`` is
    ``{"fused": True}``.
    """
    kwargs: Dict[str, Any] = {"lr": 1e-5, "fused": True if fused_adam else None}
    kwargs.update(optimizer_kwargs or {})
    optimizer = torch.optim.Adam(model.parameters(), **kwargs)
    model.train()
    autocast = dtype != torch.float32

    def step() -> None:
        with torch.autocast(device_type=device.type, dtype=dtype, enabled=autocast):
            loss = model(**batch)[0]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def labeling_step(model, speech, lengths, device, dtype) -> Callable[[], None]:
    """Encoder forward + greedy CTC (argmax, collapse repeats, drop blanks) of one batch."""
    autocast = dtype != torch.float32

    @torch.inference_mode()
    def step() -> None:
        with torch.autocast(device_type=device.type, dtype=dtype, enabled=autocast):
            enc, enc_lens = model.encode(speech, lengths)
            best = model.ctc.argmax(enc)
        for row, length in zip(best, enc_lens.tolist()):
            torch.unique_consecutive(row[:length]).tolist()

    return step


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = get_parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet_espnet_imports()
    from bigssl.ssl.sizes import model_info
    from bigssl.training.flops import (
        ConformerShape,
        ctc_head_flops,
        encoder_forward_flops,
        training_flops,
        wav2vec2_head_flops,
    )

    device = torch.device(args.device)
    dtype_name = args.dtype or ("bf16" if device.type == "cuda" else "fp32")
    dtype = DTYPES[dtype_name]
    torch.manual_seed(0)
    ssl, ssl_args = build_ssl(args.config, device)
    if args.compile:
        compile_encoder_blocks(ssl.encoder)
    n_mels = ssl.frontend.output_size()
    hop = ssl_args.frontend_conf.get("hop_length", 160)
    fs = ssl_args.frontend_conf.get("fs", 16000)
    samples = int(args.seconds * fs)
    frames = samples // hop + 1  # ESPnet's STFT (center=True)
    shape = ConformerShape.from_encoder_conf(ssl_args.encoder_conf, n_mels)
    audio = args.batch_size * args.seconds
    name = device_name(device)
    results: Dict[str, Any] = dict(
        command="python " + " ".join([sys.argv[0]] + (argv or sys.argv[1:])),
        device=name,
        dtype=dtype_name,
        torch=torch.__version__,
        config=str(args.config),
        batch=f"{args.batch_size} x {args.seconds:g} s",
        encoder_params_M=round(
            sum(p.numel() for p in ssl.encoder.parameters()) / 1e6, 2
        ),
        compiled=args.compile,
        fused_adam=args.fused_adam,
    )
    peak = datasheet_peak(name, dtype_name)
    results["datasheet_peak_tflops"] = peak / 1e12 if peak else None
    if "matmul" not in args.skip:
        results["matmul_peak_tflops"] = round(matmul_peak(device, dtype) / 1e12, 3)

    def utilization(flops_per_step: float, seconds: float) -> Dict[str, Any]:
        rate = flops_per_step / seconds
        row = dict(model_tflops=round(rate / 1e12, 3))
        if results.get("matmul_peak_tflops"):
            row["mfu_vs_matmul"] = round(
                rate / (results["matmul_peak_tflops"] * 1e12), 3
            )
        if peak:
            row["mfu_vs_datasheet"] = round(rate / peak, 3)
        return row

    speech = torch.randn(args.batch_size, samples, device=device) * 0.1
    lengths = torch.full((args.batch_size,), samples, device=device, dtype=torch.long)
    if "ssl" not in args.skip:
        reset_peak_memory(device)
        target_size = ssl.loss.proj.out_features
        forward = encoder_forward_flops(shape, args.batch_size, frames)
        forward += wav2vec2_head_flops(shape, args.batch_size, frames, target_size)
        ssl_step = training_step(
            ssl,
            dict(speech=speech, speech_lengths=lengths),
            device,
            dtype,
            args.fused_adam,
        )
        times = time_steps(ssl_step, device, args.warmup, args.steps)
        if args.profile:
            print(profile_step(ssl_step, device, args.profile))
        step = statistics.median(times)
        info = model_info(args.config, seconds=args.seconds)
        estimate = info.state_bytes + (info.activation_bytes or 0) * args.batch_size
        results["pretraining"] = dict(
            step_s=round(step, 4),
            audio_s_per_s=round(audio / step, 1),
            train_tflop_per_step=round(training_flops(forward) / 1e12, 4),
            peak_memory_gib=round(peak_memory(device) / 2**30, 2),
            estimate_fp32_gib=round(estimate / 2**30, 2),
            **utilization(training_flops(forward), step),
        )
    ctc = build_ctc(ssl, ssl_args, args.vocab).to(device)
    if args.compile:
        compile_encoder_blocks(ctc.encoder)
    del ssl
    if "ctc" not in args.skip:
        reset_peak_memory(device)
        tokens = max(1, int(args.seconds * TOKENS_PER_SECOND))
        text = torch.randint(
            2, args.vocab - 1, (args.batch_size, tokens), device=device
        )
        text_lengths = torch.full((args.batch_size,), tokens, device=device)
        batch = dict(
            speech=speech, speech_lengths=lengths, text=text, text_lengths=text_lengths
        )
        forward = encoder_forward_flops(shape, args.batch_size, frames)
        forward += ctc_head_flops(shape, args.batch_size, frames, args.vocab)
        times = time_steps(
            training_step(ctc, batch, device, dtype, args.fused_adam),
            device,
            args.warmup,
            args.steps,
        )
        step = statistics.median(times)
        results["ctc_training"] = dict(
            step_s=round(step, 4),
            audio_s_per_s=round(audio / step, 1),
            tokens_per_s=round(args.batch_size * tokens / step, 1),
            peak_memory_gib=round(peak_memory(device) / 2**30, 2),
            **utilization(training_flops(forward), step),
        )
    if "label" not in args.skip:
        ctc.eval()
        rows = []
        for size in args.label_batch_sizes:
            reset_peak_memory(device)
            x = torch.randn(size, samples, device=device) * 0.1
            x_lengths = torch.full((size,), samples, device=device, dtype=torch.long)
            times = time_steps(
                labeling_step(ctc, x, x_lengths, device, dtype), device, 1, args.steps
            )
            step = statistics.median(times)
            forward = encoder_forward_flops(shape, size, frames)
            forward += ctc_head_flops(shape, size, frames, args.vocab)
            rows.append(
                dict(
                    batch=size,
                    rtfx=round(size * args.seconds / step, 1),
                    peak_memory_gib=round(peak_memory(device) / 2**30, 2),
                    **utilization(forward, step),
                )
            )
        results["pseudo_labeling"] = rows
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return results


def print_table(results: Dict[str, Any]) -> None:
    print(f"command: {results['command']}")
    print(
        f"device: {results['device']} | torch {results['torch']} | autocast {results['dtype']} | "
        f"{results['config']} ({results['encoder_params_M']}M encoder params) | batch {results['batch']}"
        + (" | blocks torch.compile'd" if results.get("compiled") else "")
        + (" | fused Adam" if results.get("fused_adam") else "")
    )
    peaks = [f"matmul measured {results.get('matmul_peak_tflops')} TFLOP/s"]
    if results.get("datasheet_peak_tflops"):
        peaks.append(f"datasheet {results['datasheet_peak_tflops']:g} TFLOP/s")
    print("peak: " + ", ".join(peaks))
    print(
        "| step | s/step | audio s/s | tokens/s | model TFLOP/s | MFU (matmul) | MFU (datasheet) "
        "| peak mem GiB | estimate GiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for key, label in (
        ("pretraining", "wav2vec 2.0 pretraining"),
        ("ctc_training", "CTC training"),
    ):
        row = results.get(key)
        if row:
            print(
                f"| {label} | {row['step_s']} | {row['audio_s_per_s']} | {row.get('tokens_per_s', '-')} "
                f"| {row['model_tflops']} | {row.get('mfu_vs_matmul', '-')} | {row.get('mfu_vs_datasheet', '-')} "
                f"| {row['peak_memory_gib']} | {row.get('estimate_fp32_gib', '-')} |"
            )
    for row in results.get("pseudo_labeling", []):
        print(
            f"| CTC pseudo-labeling, batch {row['batch']} | - | RTFx {row['rtfx']} | - | {row['model_tflops']} "
            f"| {row.get('mfu_vs_matmul', '-')} | {row.get('mfu_vs_datasheet', '-')} | {row['peak_memory_gib']} | - |"
        )


if __name__ == "__main__":
    main()
