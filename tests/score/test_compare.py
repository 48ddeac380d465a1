"""Pairwise experiment comparison tables in RESULTS.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bigssl.bin import compare_results


def _scored(exp: Path, err: float) -> Path:
    out = exp / "decode_x" / "test" / "score_wer"
    out.mkdir(parents=True)
    (out / "result.json").write_text(json.dumps({"Err": err}))
    return exp


def test_relative_change_row(tmp_path: Path) -> None:
    base, other = _scored(tmp_path / "a", 80.0), _scored(tmp_path / "b", 60.0)
    compare_results.main(
        ["--row", f"1 h|{base}|{other}", "--out", str(tmp_path / "s.md")]
    )
    assert "| 1 h | 80.0 | 60.0 | -25.0% |" in (tmp_path / "s.md").read_text()


def test_missing_scores_name_the_experiment(tmp_path: Path) -> None:
    base = _scored(tmp_path / "a", 80.0)
    with pytest.raises(FileNotFoundError, match="no scored decoding of 'test'"):
        compare_results.main(
            [
                "--row",
                f"x|{base}|{tmp_path / 'missing'}",
                "--out",
                str(tmp_path / "s.md"),
            ]
        )
