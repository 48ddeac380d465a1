"""Fixtures for the pretraining tests."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest
import torch
from ssl_helpers import write_corpus


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    return write_corpus(tmp_path_factory.mktemp("corpus"), {"train": 12, "dev": 3})
