"""``python -m bigssl.bin.prepare <corpus>``: one subcommand per registered corpus, each recipe's
``local/data.sh`` calls it, and its errors are one clear line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bigssl.bin import nested_subsets, noss_data, prepare
from bigssl.data.corpora.registry import CORPORA
from tests.conftest import REPO

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def test_the_registry_holds_every_corpus_with_a_recipe() -> None:
    assert sorted(CORPORA) == [
        "chime6",
        "librispeech",
        "manifest",
        "noss",
        "speechstew",
    ]


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_each_corpus_has_a_subcommand_whose_help_works(
    corpus: str, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exit:
        prepare.main([corpus, "--help"])
    out = capsys.readouterr().out
    assert exit.value.code == 0
    assert out.startswith(f"usage: python -m bigssl.bin.prepare {corpus} ")
    assert CORPORA[corpus].description.split("\n")[0] in out


def test_the_command_lists_every_corpus(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        prepare.main(["--help"])
    out = capsys.readouterr().out
    assert all(f"    {name}" in out for name in CORPORA)


def test_unknown_corpus_fails_naming_the_known_ones() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bigssl.bin.prepare", "timit", "--data_dir", "data"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "invalid choice: 'timit'" in result.stderr
    assert all(f"'{name}'" in result.stderr for name in CORPORA), result.stderr


def test_corpus_error_is_one_line_and_exit_status_1(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(SystemExit) as exit:
        prepare.main(
            ["librispeech", "--librispeech_root", str(missing), "--data_dir", "d"]
        )
    assert exit.value.code == 1
    assert f"{missing}: no LibriSpeech/" in caplog.text


def test_true_false_options_take_only_true_or_false(
    capsys: pytest.CaptureFixture,
) -> None:
    with pytest.raises(SystemExit) as exit:
        prepare.main(["manifest", "--train", "t", "--dev", "d", "--drop_bad", "yes"])
    assert exit.value.code == 2
    assert "expected true or false, not 'yes'" in capsys.readouterr().err


def test_every_recipe_prepares_its_data_with_the_command() -> None:
    """Each corpus recipe's local/data.sh calls ``bigssl.bin.prepare`` with a known corpus."""
    calls = {}
    for data_sh in sorted(REPO.glob("egs/*/*/local/data.sh")):
        named = re.findall(r"python -m bigssl\.bin\.prepare (\w+)", data_sh.read_text())
        if named:
            calls[str(data_sh.relative_to(REPO))] = set(named)
    assert {c for named in calls.values() for c in named} == set(CORPORA), calls


@pytest.mark.parametrize(
    "cli,args", [(noss_data, ["format", "--help"]), (nested_subsets, ["--help"])]
)
def test_the_steps_beside_preparing_have_working_help(
    cli: object, args: list, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(args)  # type: ignore[attr-defined]
    assert exit.value.code == 0 and "usage:" in capsys.readouterr().out
