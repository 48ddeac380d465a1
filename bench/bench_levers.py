"""The cumulative GPU lever ladder of wav2vec 2.0 pretraining (bigssl.training.levers), timed.

    python bench/bench_levers.py --smoke                       # tiny config, CPU, seconds
    python bench/bench_levers.py --config egs/TEMPLATE/asr1/conf/ssl/pretrain_xl.yaml \\
        --device cuda --dtype bf16 --batch_size 16 --seconds 15 --json out.json

Rung i is rungs 0..i together. Per rung, on random audio of one length: a fresh model from the
same seed; loss and gradients of one seeded eval-mode step (no dropout) against the eager rung's
(max-abs and relative error); then training steps (warm-up excluded; CUDA events on a GPU,
perf_counter on a CPU): s/step, audio s/s, model TFLOP/s, MFU vs the datasheet and vs a measured
matrix product, peak memory, and the first calls' overhead (compile seconds). The eager rung runs
again at the end (drift). The fastest rung is profiled (top operators by share of the step) and
CTC pseudo-labeling RTFx is measured per batch size. Functions come from bench_scale.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scale as scale  # noqa: E402

from bigssl.espnet_compat import quiet_espnet_imports  # noqa: E402
from bigssl.training import levers  # noqa: E402

TINY_CONFIG = (
    scale.REPO / "egs" / "TEMPLATE" / "asr1" / "conf" / "ssl" / "pretrain_tiny.yaml"
)


def get_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=scale.DEFAULT_CONFIG)
    parser.add_argument(
        "--device", default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument("--dtype", choices=sorted(scale.DTYPES), default=None)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per rung")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--rungs", nargs="*", default=None, choices=levers.RUNG_NAMES)
    parser.add_argument("--backend", default="inductor", help="torch.compile backend")
    parser.add_argument("--label_batch_sizes", type=int, nargs="*", default=[1, 16, 64])
    parser.add_argument(
        "--profile", type=int, default=15, help="top operators (0: none)"
    )
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--smoke", action="store_true", help="tiny config, CPU, 2 steps per rung"
    )
    return parser


def smoke_defaults(args: argparse.Namespace) -> None:
    """--smoke: the tiny config on the CPU, 2 steps per rung, eager compile backend."""
    args.config, args.device, args.dtype = TINY_CONFIG, "cpu", "fp32"
    args.batch_size, args.seconds, args.steps, args.warmup = 2, 1.0, 2, 1
    args.backend, args.label_batch_sizes, args.profile = "eager", [1, 2], 5
    args.threads = args.threads or 1


def time_steps(
    step: Callable[[], Any], device: torch.device, warmup: int, steps: int
) -> List[float]:
    """Seconds per step after ``warmup`` untimed ones: CUDA events on a GPU, else perf_counter."""
    if device.type != "cuda":
        return scale.time_steps(step, device, warmup, steps)
    for _ in range(warmup):
        step()
    events = [
        (torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
        for _ in range(steps)
    ]
    for start, end in events:
        start.record()
        step()
        end.record()
    torch.cuda.synchronize(device)
    return [start.elapsed_time(end) / 1000 for start, end in events]


def loss_and_grads(
    model: torch.nn.Module, batch: Dict[str, torch.Tensor], dtype
) -> Dict:
    """Loss and gradients of one seeded eval-mode step (dropout off), on the host."""
    model.eval()
    model.zero_grad(set_to_none=True)
    torch.manual_seed(1234)
    device = batch["speech"].device
    with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
        loss = model(**batch)[0]
    loss.backward()
    grads = {
        n: p.grad.float().cpu()
        for n, p in model.named_parameters()
        if p.grad is not None
    }
    model.zero_grad(set_to_none=True)
    model.train()
    return {"loss": float(loss), "grads": grads}


def errors(ref: Dict, got: Dict) -> Dict[str, float]:
    """Loss and gradient max-abs / relative errors of ``got`` against the eager ``ref``."""
    max_abs = max(
        float((got["grads"][n] - g).abs().max()) for n, g in ref["grads"].items()
    )
    scale_ = max(float(g.abs().max()) for g in ref["grads"].values())
    return dict(
        loss_abs_err=abs(got["loss"] - ref["loss"]),
        loss_rel_err=abs(got["loss"] - ref["loss"]) / max(abs(ref["loss"]), 1e-12),
        grad_max_abs_err=max_abs,
        grad_rel_err=max_abs / max(scale_, 1e-12),
    )


class Bench:
    """What every rung shares: options, device, batch, FLOPs per step and the peaks."""

    def __init__(self, args: argparse.Namespace) -> None:
        from bigssl.training.flops import (
            ConformerShape,
            encoder_forward_flops,
            training_flops,
            wav2vec2_head_flops,
        )

        self.args = args
        self.device = torch.device(args.device)
        self.dtype_name = args.dtype or (
            "bf16" if self.device.type == "cuda" else "fp32"
        )
        self.dtype = scale.DTYPES[self.dtype_name]
        torch.manual_seed(0)
        model, self.model_args = scale.build_ssl(args.config, self.device)
        conf = self.model_args.frontend_conf
        self.samples = int(args.seconds * conf.get("fs", 16000))
        self.frames = self.samples // conf.get("hop_length", 160) + 1
        shape = ConformerShape.from_encoder_conf(
            self.model_args.encoder_conf, model.frontend.output_size()
        )
        forward = encoder_forward_flops(shape, args.batch_size, self.frames)
        forward += wav2vec2_head_flops(
            shape, args.batch_size, self.frames, model.loss.proj.out_features
        )
        self.flops = training_flops(forward)
        self.shape = shape
        self.params_m = round(
            sum(p.numel() for p in model.encoder.parameters()) / 1e6, 2
        )
        del model
        gen = torch.Generator().manual_seed(7)
        speech = torch.randn(args.batch_size, self.samples, generator=gen) * 0.1
        self.batch = dict(
            speech=speech.to(self.device),
            speech_lengths=torch.full((args.batch_size,), self.samples).to(self.device),
        )
        self.name = scale.device_name(self.device)
        self.datasheet = scale.datasheet_peak(self.name, self.dtype_name)
        self.matmul = scale.matmul_peak(self.device, self.dtype)

    def utilization(self, seconds: float) -> Dict[str, Optional[float]]:
        """TFLOP/s and MFU of a step of ``seconds`` (``mfu``: vs the datasheet if known)."""
        rate = self.flops / seconds
        mfu_sheet = round(rate / self.datasheet, 4) if self.datasheet else None
        mfu_matmul = round(rate / self.matmul, 4)
        return dict(
            model_tflops=round(rate / 1e12, 4),
            mfu_vs_datasheet=mfu_sheet,
            mfu_vs_matmul=mfu_matmul,
            mfu=mfu_sheet if mfu_sheet is not None else mfu_matmul,
        )

    def build(self, rungs: List[levers.Rung]) -> torch.nn.Module:
        """A fresh model (seed 0: the same weights every time) with ``rungs`` applied."""
        torch.manual_seed(0)
        model, _ = scale.build_ssl(self.args.config, self.device)
        # every rung draws the distractors as the sync-free path must ((B, T, K) uniforms), so
        # the loss check compares the same draws on every rung
        model.loss.draw_padded = True
        levers.apply_rungs(model, rungs, self.args.backend)
        return model


def run_rung(
    bench: Bench, label: str, rungs: List[levers.Rung], ref: Optional[Dict]
) -> Tuple[Dict, Dict]:
    """Time the ladder up to ``rungs[-1]``: its row, and its loss and gradients (the check)."""
    model = bench.build(rungs)
    settings = levers.ladder_settings(rungs)
    old_flags = levers.set_backend_flags(settings.backend_flags)
    try:
        scale.reset_peak_memory(bench.device)
        start = time.perf_counter()
        check = loss_and_grads(model, bench.batch, bench.dtype)
        step = scale.training_step(
            model,
            bench.batch,
            bench.device,
            bench.dtype,
            optimizer_kwargs=settings.optimizer_kwargs,
        )
        step()
        scale.synchronize(bench.device)
        first = time.perf_counter() - start
        times = time_steps(step, bench.device, bench.args.warmup - 1, bench.args.steps)
    finally:
        levers.set_backend_flags(old_flags)
    seconds = statistics.median(times)
    row: Dict[str, Any] = dict(
        rung=label,
        levers=[r.name for r in rungs],
        step_s=round(seconds, 5),
        audio_s_per_s=round(bench.args.batch_size * bench.args.seconds / seconds, 2),
        **bench.utilization(seconds),
        peak_memory_gib=round(scale.peak_memory(bench.device) / 2**30, 3),
        compile_s=round(max(first - 2 * seconds, 0.0), 2),
        loss=check["loss"],
    )
    row.update(errors(ref if ref is not None else check, check))
    del model, step
    torch._dynamo.reset()  # compiled graphs hold the rung's model
    return row, check


def run_ladder(bench: Bench) -> List[Dict]:
    """The cumulative ladder, then the eager rung again (``eager_end``) for drift."""
    rows: List[Dict] = []
    active: List[levers.Rung] = []
    ref = None
    for rung in levers.get_rungs(bench.args.rungs):
        row, check = run_rung(bench, rung.name, active + [rung], ref)
        active.append(rung)
        ref = ref or check
        rows.append(row)
        print(f"rung {rung.name}: {row['step_s']} s/step, mfu {row['mfu']}", flush=True)
    rows.append(run_rung(bench, "eager_end", levers.get_rungs(["eager"]), ref)[0])
    return rows


def profile_best(bench: Bench, rows: List[Dict], top: int) -> Dict[str, Any]:
    """The fastest rung's top operators by share of the profiled step's self time."""
    timed = [r for r in rows if "step_s" in r and r["rung"] != "eager_end"]
    best = min(timed, key=lambda r: r["step_s"])
    rungs = levers.get_rungs(best["levers"])
    model = bench.build(rungs)
    settings = levers.ladder_settings(rungs)
    old_flags = levers.set_backend_flags(settings.backend_flags)
    try:
        step = scale.training_step(
            model,
            bench.batch,
            bench.device,
            bench.dtype,
            optimizer_kwargs=settings.optimizer_kwargs,
        )
        step()
        events, sort_by = scale.profile_events(step, bench.device)
    finally:
        levers.set_backend_flags(old_flags)
    key = (
        "self_device_time_total"
        if bench.device.type == "cuda"
        else "self_cpu_time_total"
    )
    total = sum(getattr(e, key, 0.0) for e in events) or 1.0
    ranked = sorted(events, key=lambda e: getattr(e, key, 0.0), reverse=True)[:top]
    del model, step
    torch._dynamo.reset()
    return dict(
        rung=best["rung"],
        top_ops=[
            dict(
                name=e.key, share=round(getattr(e, key, 0.0) / total, 4), calls=e.count
            )
            for e in ranked
        ],
    )


def labeling_rows(bench: Bench) -> List[Dict]:
    """CTC pseudo-labeling RTFx per batch size (bench_scale's labeling step, eager encoder)."""
    from bigssl.training.flops import ctc_head_flops, encoder_forward_flops

    torch.manual_seed(0)
    ssl, _ = scale.build_ssl(bench.args.config, bench.device)
    ctc = scale.build_ctc(ssl, bench.model_args, 1024).to(bench.device).eval()
    del ssl
    rows = []
    for size in bench.args.label_batch_sizes:
        scale.reset_peak_memory(bench.device)
        x = torch.randn(size, bench.samples, device=bench.device) * 0.1
        lengths = torch.full((size,), bench.samples, device=bench.device)
        step = scale.labeling_step(ctc, x, lengths, bench.device, bench.dtype)
        seconds = statistics.median(time_steps(step, bench.device, 1, bench.args.steps))
        flops = encoder_forward_flops(bench.shape, size, bench.frames)
        flops += ctc_head_flops(bench.shape, size, bench.frames, 1024)
        rows.append(
            dict(
                rung="label_eager",
                batch=size,
                rtfx=round(size * bench.args.seconds / seconds, 2),
                step_s=round(seconds, 5),
                model_tflops=round(flops / seconds / 1e12, 4),
                peak_memory_gib=round(scale.peak_memory(bench.device) / 2**30, 3),
            )
        )
    return rows


def print_table(result: Dict[str, Any]) -> None:
    """One markdown table of the ladder and the labeling rows."""
    print(f"command: {result['command']}")
    print(
        f"device: {result['device']} | torch {result['torch']} | {result['dtype']} | "
        f"{result['config']} ({result['encoder_params_M']}M) | batch {result['batch']} | "
        f"matmul {result['matmul_peak_tflops']} TFLOP/s"
    )
    print(
        "| rung | s/step | audio s/s | TFLOP/s | MFU | MFU (matmul) | peak GiB | compile s "
        "| loss err | grad rel err | RTFx |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in result["rows"]:
        name = row["rung"] + (f" b{row['batch']}" if "batch" in row else "")
        print(
            f"| {name} | {row['step_s']} | {row.get('audio_s_per_s', '-')} "
            f"| {row['model_tflops']} | {row.get('mfu', '-')} | {row.get('mfu_vs_matmul', '-')} "
            f"| {row['peak_memory_gib']} | {row.get('compile_s', '-')} "
            f"| {row.get('loss_abs_err', '-'):.3g} | {row.get('grad_rel_err', '-'):.3g} "
            f"| {row.get('rtfx', '-')} |"
            if "loss_abs_err" in row
            else f"| {name} | {row['step_s']} | - | {row['model_tflops']} | - | - "
            f"| {row['peak_memory_gib']} | - | - | - | {row['rtfx']} |"
        )
    profile = result.get("profile")
    if profile:
        ops = ", ".join(
            f"{o['name']} {100 * o['share']:.1f}%" for o in profile["top_ops"]
        )
        print(f"profile of {profile['rung']}: {ops}")


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """Run the ladder, write the JSON (``--json``) and print the table."""
    args = get_parser().parse_args(argv)
    if args.smoke:
        smoke_defaults(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet_espnet_imports()
    bench = Bench(args)
    rows = run_ladder(bench)
    profile = profile_best(bench, rows, args.profile) if args.profile else None
    rows += labeling_rows(bench)
    result = dict(
        command="python "
        + " ".join([sys.argv[0]] + (argv if argv is not None else sys.argv[1:])),
        device=bench.name,
        dtype=bench.dtype_name,
        torch=torch.__version__,
        config=str(args.config),
        batch=f"{args.batch_size} x {args.seconds:g} s",
        encoder_params_M=bench.params_m,
        datasheet_peak_tflops=bench.datasheet / 1e12 if bench.datasheet else None,
        matmul_peak_tflops=round(bench.matmul / 1e12, 4),
        backend=args.backend,
        rows=rows,
        profile=profile,
    )
    print_table(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
