"""The NST section of RESULTS.md and its WER-vs-generation plot, from fake experiment dirs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pytest

from bigssl.bin import nst_report
from bigssl.score import nst_section


def _exp(
    root: Path, name: str, wer: float, cer: float, decode: str = "decode_ctc_x"
) -> Path:
    exp = root / name
    for unit, err in (("wer", wer), ("cer", cer)):
        out = exp / decode / "test" / f"score_{unit}"
        out.mkdir(parents=True)
        (out / "result.json").write_text(json.dumps({"Snt": 10, "Wrd": 50, "Err": err}))
    return exp


def _filter_dir(
    root: Path, name: str, kept: int, total: int, wer_kept=None, wer_dropped=None
) -> Path:
    out = root / name
    (out / "filter").mkdir(parents=True)
    wer = (
        None
        if wer_kept is None
        else {
            "kept": {"Err": wer_kept},
            "dropped": {"Err": wer_dropped},
            "all": {"Err": (wer_kept + wer_dropped) / 2},
        }
    )
    report = {
        "rule": {"description": "confidence >= 0.8"},
        "counts": {"kept": kept, "total": total},
        "hours": {"kept": 1.25, "total": 2.5},
        "wer": wer,
    }
    (out / "filter" / "report.json").write_text(json.dumps(report))
    return out


def _report(out: Path, *rows: str, options: Sequence[str] = ()) -> None:
    """``nst_report --out OUT OPTIONS --row ROW ...``, in this process."""
    nst_report.main(
        ["--out", str(out), *options, *(a for row in rows for a in ("--row", row))]
    )


def test_table_relative_change_missing_combination_and_plot(tmp_path: Path) -> None:
    rows = [
        f"supervised only (no pretraining)|CTC|{_exp(tmp_path, 'base_ctc', 60.0, 30.0)}",
        f"generation 0 (teacher: pretrained + fine-tuned)|CTC|{_exp(tmp_path, 'g0_ctc', 40.0, 20.0)}",
        f"generation 0 (teacher: pretrained + fine-tuned)|RNN-T|{_exp(tmp_path, 'g0_rnnt', 50.0, 25.0)}",
        f"generation 1 (student)|CTC|{_exp(tmp_path, 'g1_ctc', 30.0, 15.0)}|"
        f"{_filter_dir(tmp_path, 'pl1', 70, 100, 12.0, 45.0)}",
        f"generation 1 (student)|RNN-T|{_exp(tmp_path, 'g1_rnnt', 55.0, 26.0)}|{_filter_dir(tmp_path, 'pl1r', 60, 100)}",
        f"generation 2 (student)|CTC|{_exp(tmp_path, 'g2_ctc', 28.0, 14.0)}",
        f"topline: all labels|CTC|{_exp(tmp_path, 'top_ctc', 20.0, 10.0)}",
    ]
    out, png = tmp_path / "sections" / "nst.md", tmp_path / "figures" / "nst_wer.png"
    plot = ["--plot", str(png), "--plot_link", "figures/nst_wer.png"]
    _report(out, *rows, options=[*plot, "--test_set", "test"])
    text = out.read_text()
    assert text.startswith("## Noisy Student Training\n")
    assert (
        "| system | CTC WER | CTC CER | CTC WER vs gen 0 | RNN-T WER | RNN-T CER | RNN-T WER vs gen 0 |"
        in text
    )
    assert (
        "| supervised only (no pretraining) | 60.0 | 30.0 | +50.0% | – | – | – |"
        in text
    )
    assert (
        "| generation 0 (teacher: pretrained + fine-tuned) | 40.0 | 20.0 | +0.0% | 50.0 | 25.0 | +0.0% |"
        in text
    )
    assert (
        "| generation 1 (student) | 30.0 | 15.0 | -25.0% | 55.0 | 26.0 | +10.0% |"
        in text
    )
    assert "| topline: all labels | 20.0 | 10.0 | -50.0% | – | – | – |" in text
    # rows keep the order given
    order = [
        text.index(label)
        for label in (
            "supervised only",
            "generation 0",
            "generation 1 (student) | 30",
            "generation 2",
            "topline",
        )
    ]
    assert order == sorted(order)
    assert (
        "| generation 1 (student) | CTC | confidence >= 0.8 | 70 / 100 | 1.25 / 2.50 | 12.0 | 45.0 | 28.5 |"
        in text
    )
    assert (
        "| generation 1 (student) | RNN-T | confidence >= 0.8 | 60 / 100 | 1.25 / 2.50 | – | – | – |"
        in text
    )
    assert "](figures/nst_wer.png)" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_generation_order_as_given_without_gen0(tmp_path: Path) -> None:
    out = tmp_path / "nst.md"
    _report(
        out,
        f"generation 2 (student)|CTC|{_exp(tmp_path, 'g2', 30.0, 15.0)}",
        f"generation 1 (student)|CTC|{_exp(tmp_path, 'g1', 35.0, 16.0)}",
    )
    text = out.read_text()
    assert text.index("generation 2") < text.index("generation 1")
    assert "| generation 2 (student) | 30.0 | 15.0 | – |" in text
    assert "Pseudo-labels each student" not in text and "![" not in text


def test_missing_result_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "exp" / "never_decoded"
    missing.mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="never_decoded.*score_wer"):
        _report(tmp_path / "s.md", f"generation 0|CTC|{missing}")
    exp = _exp(tmp_path, "g0", 40.0, 20.0)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        _report(tmp_path / "s.md", f"generation 1|CTC|{exp}|{tmp_path / 'nowhere'}")
    assert not (tmp_path / "s.md").exists()


def test_ambiguous_decodings_and_decode_dir_as_exp_dir(tmp_path: Path) -> None:
    exp = _exp(tmp_path, "g0", 40.0, 20.0, decode="decode_a")
    _exp(tmp_path, "g0", 45.0, 22.0, decode="decode_b")
    with pytest.raises(ValueError, match="2 scored decodings"):
        _report(tmp_path / "s.md", f"generation 0|CTC|{exp}")
    _report(tmp_path / "s.md", f"generation 0|CTC|{exp / 'decode_b'}")
    assert "| generation 0 | 45.0 | 22.0 | +0.0% |" in (tmp_path / "s.md").read_text()


def test_bad_rows(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit):
        _report(tmp_path / "s.md", "only|two")
    assert "LABEL|MODEL_TYPE|EXP_DIR" in capsys.readouterr().err
    exp = _exp(tmp_path, "g0", 40.0, 20.0)
    with pytest.raises(ValueError, match="given twice"):
        _report(tmp_path / "s.md", f"g|CTC|{exp}", f"g|CTC|{exp}")


def test_verdict_says_plainly_whether_a_student_beat_the_teacher(
    tmp_path: Path,
) -> None:
    rows = [
        nst_section.parse_row(spec)
        for spec in (
            f"generation 0 (teacher)|CTC|{_exp(tmp_path, 'g0c', 40.0, 20.0)}",
            f"generation 1 (student)|CTC|{_exp(tmp_path, 'g1c', 38.0, 19.0)}",
            f"generation 2 (student)|CTC|{_exp(tmp_path, 'g2c', 39.0, 19.0)}",
            f"generation 0 (teacher)|RNN-T|{_exp(tmp_path, 'g0r', 50.0, 25.0)}",
            f"generation 1 (student)|RNN-T|{_exp(tmp_path, 'g1r', 55.0, 26.0)}",
        )
    ]
    text, _ = nst_section.build_section(rows, "test", "NST", None, "")
    ctc = next(line for line in text.splitlines() if line.startswith("- CTC"))
    rnnt = next(line for line in text.splitlines() if line.startswith("- RNN-T"))
    assert "yes: generation 1 (student) is 2.0 points (-5.0% relative) better" in ctc
    assert "no: no student beat the teacher" in rnnt and "+10.0% relative" in rnnt
