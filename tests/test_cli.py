"""bigssl.cli: the options a synthesis CLI takes from its spec dataclass."""

from __future__ import annotations

import pytest

from bigssl.bin import make_mini_corpus, make_mini_noss
from bigssl.cli import spec_from_args
from bigssl.data.mini.noss import NossSpec
from bigssl.data.mini.synth import CorpusSpec

DIRS = ["--audio_dir", "a", "--data_dir", "d"]


def test_spec_options_default_to_the_spec_and_override_what_is_given() -> None:
    args = make_mini_corpus.get_parser().parse_args(
        [*DIRS, "--num_labeled", "5", "--num_test_flite", "3", "--seed", "9"]
    )
    spec = spec_from_args(CorpusSpec(), args)
    assert spec == CorpusSpec(num_labeled=5, num_test_flite=3, seed=9)
    args = make_mini_noss.get_parser().parse_args([*DIRS, "--num_dev", "7"])
    assert spec_from_args(NossSpec(), args) == NossSpec(num_dev=7)


def test_only_the_named_fields_are_options(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        make_mini_corpus.get_parser().parse_args([*DIRS, "--min_words", "2"])
    assert "unrecognized arguments: --min_words" in capsys.readouterr().err
