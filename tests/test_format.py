"""The tree is formatted as ESPnet formats its own (black, then isort in black's profile; see
pyproject.toml). Fix with: .venv/bin/python -m black . && .venv/bin/python -m isort ."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

PATHS = ["bigssl", "tests", "bench", "setup.py"]


@pytest.mark.parametrize(
    "command",
    [["black", "--check", "--quiet"], ["isort", "--check-only", "--quiet"]],
    ids=["black", "isort"],
)
def test_tree_is_formatted(command: list) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command, *PATHS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{command[0]} would change these files (run `.venv/bin/python -m {command[0]} .`):\n"
        + result.stdout[-3000:]
        + result.stderr[-3000:]
    )
