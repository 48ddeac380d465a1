"""Atomic writes and the key-value reader."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bigssl.io_utils import atomic_open, check_same_ids, read_kv, write_text_atomic


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_atomic_writes_get_the_permissions_of_a_plain_open(
    tmp_path: Path, umask: int
) -> None:
    saved = os.umask(umask)
    try:
        write_text_atomic(tmp_path / "a.txt", "x\n")
        with open(tmp_path / "b.txt", "w") as handle:
            handle.write("x\n")
    finally:
        os.umask(saved)
    mode = stat.S_IMODE((tmp_path / "a.txt").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o666 & ~umask


def test_a_failed_block_leaves_neither_the_file_nor_a_temporary(tmp_path: Path) -> None:
    write_text_atomic(tmp_path / "a.txt", "old\n")
    with pytest.raises(RuntimeError):
        with atomic_open(tmp_path / "a.txt") as handle:
            handle.write("half")
            raise RuntimeError("killed")
    assert (tmp_path / "a.txt").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_read_kv_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "utt2group"
    path.write_text("u1 labeled\n\nu2 pseudo extra\nu1 pseudo\n")
    with pytest.raises(ValueError, match=r"utt2group:3: expected '<key> <value>'"):
        read_kv(path, one_token=True)
    with pytest.raises(ValueError, match=r"utt2group:4: duplicate key 'u1'"):
        read_kv(path)


def test_check_same_ids_lists_missing_and_extra(tmp_path: Path) -> None:
    check_same_ids(["a", "b"], ["b", "a"], "x", "y")
    with pytest.raises(
        ValueError,
        match=r"x: utterance set differs from y: 1 missing \(e.g. \['c'\]\), 1 extra",
    ):
        check_same_ids(["a", "b"], ["a", "c"], "x", "y")
