"""Shared fixtures: a tiny synthetic corpus built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigssl.data.mini.synth import CorpusSpec, build_mini_corpus

REPO = Path(__file__).resolve().parents[1]
TINY_SPEC = CorpusSpec(num_labeled=12, num_unlabeled=16, num_dev=4, num_test=6, seed=7)


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny mini corpus: returns the root holding ``audio/`` and ``data/``."""
    root = tmp_path_factory.mktemp("tiny_corpus")
    build_mini_corpus(root / "audio", root / "data", TINY_SPEC, nj=2)
    return root
