"""RESULTS.md's tables name runs of other experiment dirs (stage 80's --results_expdirs) by their dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bigssl.score.results import run_label, write_recipe_results


def _scored_run(run: Path, err: float) -> Path:
    for unit in ("wer", "cer"):
        score = run / "decode_ctc" / "test" / f"score_{unit}"
        score.mkdir(parents=True)
        counts = {"Snt": 2, "Wrd": 10, "Corr": 100 - err, "Sub": err, "Del": 0.0}
        counts.update({"Ins": 0.0, "Err": err, "S.Err": 50.0})
        (score / "result.json").write_text(json.dumps(counts))
    (run / "run_command").write_text(f"./run.sh --asr_tag {run.name}")
    return run


def _summary(run: Path, steps: int) -> Path:
    run.mkdir(parents=True, exist_ok=True)
    (run / "train_summary.json").write_text(json.dumps({"steps": steps, "ngpu": 0}))
    return run / "train_summary.json"


@pytest.mark.parametrize(
    "run, main, label",
    [
        ("exp/asr_a", "exp", "asr_a"),
        ("exp_gpu/asr_a", "exp", "exp_gpu/asr_a"),
        ("exp_gpu/ssl_iter1", None, "ssl_iter1"),
    ],
)
def test_run_label(run: str, main: str, label: str) -> None:
    assert run_label(Path(run), main and Path(main)) == label


def test_runs_of_other_expdirs_are_named_by_their_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runs = [
        _scored_run(Path("exp/asr_x"), 30.0),
        _scored_run(Path("exp_gpu/asr_y"), 20.0),
    ]
    summaries = [
        _summary(Path("exp/ssl_iter1"), 100),
        _summary(Path("exp_gpu/ssl_iter1"), 2800),
    ]
    text = write_recipe_results(
        Path("RESULTS.md"),
        "t",
        runs,
        Path("data"),
        summaries=summaries,
        main_expdir=Path("exp"),
    )
    assert (tmp_path / "RESULTS.md").read_text() == text
    rows = [line for line in text.splitlines() if line.startswith("|")]
    # the two pretraining runs of the same name stay apart in the cost table
    assert any(r.startswith("| ssl_iter1 | 100 |") for r in rows), rows
    assert any(r.startswith("| exp_gpu/ssl_iter1 | 2800 |") for r in rows), rows
    # score rows: bare for exp/, <dir>/<run> for the other dir, in the WER and the CER table
    assert sum("| asr_x/decode_ctc/test |" in r for r in rows) == 2
    assert sum("| exp_gpu/asr_y/decode_ctc/test |" in r for r in rows) == 2
    assert "./run.sh --asr_tag asr_y" in text


def test_headline_section_opens_results_md_and_is_optional(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runs = [_scored_run(Path("exp/asr_x"), 30.0)]
    headline = tmp_path / "exp" / "results_headline.md"
    headline.write_text("## The demo's systems\n\n| system | test CER |\n")
    text = write_recipe_results(
        Path("RESULTS.md"), "t", runs, Path("data"), headline_file=headline
    )
    titles = [line for line in text.splitlines() if line.startswith("#")]
    # the first section under the title, before the environment and every table
    assert titles[:3] == ["# t", "## The demo's systems", "## Environment"], titles
    absent = write_recipe_results(
        Path("RESULTS.md"), "t", runs, Path("data"), headline_file=tmp_path / "none"
    )
    assert "The demo's systems" not in absent and "## Environment" in absent
