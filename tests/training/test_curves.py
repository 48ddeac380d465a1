"""Learning curves parsed from an ESPnet train.log."""

from __future__ import annotations

from pathlib import Path

from bigssl.training.curves import parse_train_log, write_curves

LOG = """\
[vm] 2026-11-25 12:47:13,992 (trainer:811) INFO: 1epoch:train:1-20batch: iter_time=0.003, loss=171.499, acc=0.1
[vm] 2026-11-25 12:47:22,472 (trainer:811) INFO: 1epoch:train:21-40batch: iter_time=0.003, loss=121.905, acc=0.2
[vm] 2026-11-25 12:48:30,000 (trainer:394) INFO: 1epoch results: [train] loss=140.0, acc=0.15, time=1 minute, [valid] loss=130.5, acc=0.25, time=2.1 seconds
[vm] 2026-11-25 12:49:13,992 (trainer:811) INFO: 2epoch:train:1-20batch: iter_time=0.003, loss=90.0, acc=0.4
[vm] 2026-11-25 12:49:13,992 (trainer:811) INFO: 2epoch:train:1-20batch: iter_time=0.003, loss=89.0, acc=0.41
[vm] 2026-11-25 12:50:30,000 (trainer:394) INFO: 2epoch results: [train] loss=90.0, acc=0.4, [valid] loss=nan, acc=0.5
"""


def test_parse_steps_epochs_and_resumed_duplicates(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text(LOG)
    curves = parse_train_log(log)
    assert [r["step"] for r in curves["train"]] == [20, 40, 60]
    assert curves["train"][2]["loss"] == 89.0  # the resumed (last) occurrence wins
    assert [r["valid_loss"] for r in curves["valid"]][0] == 130.5
    assert curves["valid"][1]["valid_acc"] == 0.5


def test_write_curves_makes_csv_and_png(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text(LOG)
    png = write_curves(log, tmp_path / "curve", ["loss", "acc"], "test")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "curve.csv").read_text().splitlines()[0] == "step,epoch,loss,acc"
