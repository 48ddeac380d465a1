"""The system table that opens RESULTS.md: error rates per test set and the summed training cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bigssl.bin import system_table
from bigssl.score.systems import (
    SystemRowError,
    parse_system_row,
    training_cost,
    write_system_section,
)


def _decode(exp: Path, tag: str, test_set: str, cer: float, wer: float) -> Path:
    decode = exp / tag
    for unit, err in (("cer", cer), ("wer", wer)):
        score = decode / test_set / f"score_{unit}"
        score.mkdir(parents=True)
        (score / "result.json").write_text(json.dumps({"Snt": 3, "Err": err}))
    return decode


def _trained(exp: Path, train_s: str, valid_s: str, summary: dict = None) -> Path:
    """An ESPnet exp dir whose train.log holds one epoch-results line (what epoch_seconds reads)."""
    exp.mkdir(parents=True, exist_ok=True)
    (exp / "train.log").write_text(
        "[vm] 2026 (trainer:394) INFO: 1epoch results: [train] loss=4.6, "
        f"time={train_s}, total_count=60, [valid] loss=4.6, time={valid_s}, total_count=7\n"
    )
    if summary is not None:
        (exp / "train_summary.json").write_text(json.dumps(summary))
    return exp


def test_rows_add_up_every_training_the_system_needed(tmp_path: Path) -> None:
    ssl = _trained(
        tmp_path / "ssl_iter1",
        "1 minute and 30 seconds",
        "30 seconds",
        {"steps": 400, "audio_hours_processed": 4.4},
    )
    teacher = _trained(
        tmp_path / "asr_t", "2 minutes", "0 seconds", {"steps": 960, "wall_hours": 9}
    )
    lm = _trained(
        tmp_path / "lm_x", "50 seconds", "10 seconds"
    )  # no train_summary.json
    for test_set, cer, wer in (("test", 30.25, 80.0), ("dev", 20.0, 70.0)):
        _decode(teacher, "decode_ctc", test_set, cer, wer)
        _decode(teacher, "decode_ctc_lm", test_set, cer - 5, wer - 10)
    out = tmp_path / "headline.md"
    text = write_system_section(
        [
            f"teacher|{teacher}/decode_ctc|{ssl},{teacher}",
            f"teacher + LM|{teacher}/decode_ctc_lm|{ssl},{teacher},{lm}",
        ],
        out,
        ["test", "dev"],
        "Systems",
        note="one seed",
    )
    assert out.read_text() == text and text.startswith("## Systems")
    rows = [line for line in text.splitlines() if line.startswith("| teacher")]
    assert len(rows) == 2
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    # test CER, test WER, dev CER, dev WER; 2 min (ssl) + 2 min (teacher, from its log, not the
    # summary's wall_hours) = 4.0 min
    assert cells[1:5] == ["30.2", "80.0", "20.0", "70.0"], cells
    assert cells[5] == "–"  # the first row has nothing above it
    assert "`ssl_iter1` (400 steps, 4.4 h audio, 2.0 min)" in cells[6]
    assert cells[7] == "4.0"
    cells = [c.strip() for c in rows[1].strip("|").split("|")]
    assert cells[1:3] == ["25.2", "70.0"] and cells[7] == "5.0", cells
    assert cells[5] == "-16.5%"  # test CER 25.25 vs 30.25
    assert "`lm_x` (1.0 min)" in cells[6]
    assert text.rstrip().endswith("one seed")


def test_summary_wall_hours_when_the_run_left_no_epoch_record(tmp_path: Path) -> None:
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "train_summary.json").write_text(json.dumps({"wall_hours": 0.5, "steps": 3}))
    cost = training_cost(exp)
    assert cost.seconds == pytest.approx(1800) and cost.steps == 3
    with pytest.raises(FileNotFoundError, match="no training record"):
        training_cost(tmp_path / "never_trained")


@pytest.mark.parametrize(
    "spec", ["only|two", "a|b|c|d", "|dec|exp", "label|dec|", "label|dec|a,,b"]
)
def test_bad_row_specs_are_named(spec: str) -> None:
    with pytest.raises(SystemRowError, match="LABEL|DECODE"):
        parse_system_row(spec)


def test_cli_names_a_missing_decoding(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    exp = _trained(tmp_path / "asr", "1 second", "1 second")
    with pytest.raises(SystemExit) as exit_info:
        system_table.main(
            [
                "--out",
                str(tmp_path / "x.md"),
                "--row",
                f"s|{exp}|{exp}",
                "--test_sets",
                "test",
            ]
        )
    assert exit_info.value.code == 2
    assert "no scored decoding of 'test'" in capsys.readouterr().err
    assert not (tmp_path / "x.md").exists()
