"""bench/bench_levers.py --smoke: the whole ladder on the tiny config on the CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_bench_levers_smoke_writes_every_rung(tmp_path: Path) -> None:
    """Each rung has a timed row with ``mfu`` and its errors against eager (labeling rows ``rtfx``)."""
    from bigssl.training.levers import RUNG_NAMES

    out = tmp_path / "levers.json"
    env = dict(os.environ, SMOKE_JSON=str(out), PYTHON=sys.executable)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    run = subprocess.run(
        ["bash", "bench/device_levers.sh", "--smoke"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text())
    rows = {row["rung"]: row for row in result["rows"] if "batch" not in row}
    assert list(rows) == RUNG_NAMES + ["eager_end"]
    for name, row in rows.items():
        assert "mfu" in row
        for key in (
            "step_s",
            "audio_s_per_s",
            "model_tflops",
            "mfu_vs_matmul",
            "peak_memory_gib",
            "compile_s",
            "loss_abs_err",
            "grad_rel_err",
        ):
            assert key in row, (name, key)
        assert row["mfu"] > 0
    assert rows["eager"]["loss_abs_err"] == 0.0
    assert rows["sync_free"]["loss_abs_err"] == rows["channels_last"][
        "loss_abs_err"
    ] or (
        abs(rows["sync_free"]["loss_abs_err"] - rows["channels_last"]["loss_abs_err"])
        < 1e-5
    )
    labels = [row for row in result["rows"] if "batch" in row]
    assert [row["batch"] for row in labels] == [1, 2] and all(
        r["rtfx"] > 0 for r in labels
    )
    assert result["profile"]["top_ops"] and "| rung |" in run.stdout
