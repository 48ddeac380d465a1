"""Atomic writes and the key-value reader."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bigssl.io_utils import (
    atomic_open,
    check_same_ids,
    iter_kv,
    read_kv,
    write_text_atomic,
)


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


def test_keys_end_at_any_run_of_spaces_or_tabs_as_in_kaldi_and_espnet(
    tmp_path: Path,
) -> None:
    """A tab-separated text file (ESPnet's reader accepts it) must not become phantom ids."""
    text = tmp_path / "text"
    text.write_bytes(b"utt1\thello world\nutt2  \t two\twords \nutt3\nutt4 plain\n  \n")
    assert read_kv(text) == {
        "utt1": "hello world",
        "utt2": "two\twords",
        "utt3": "",
        "utt4": "plain",
    }
    assert [(n, k) for n, k, _ in iter_kv(text)] == [
        (1, "utt1"),
        (2, "utt2"),
        (3, "utt3"),
        (4, "utt4"),
    ]
    bad = tmp_path / "bad"
    bad.write_bytes(b"good\tok\nbad\t\xff\n")
    skipped = []
    assert [k for _, k, _ in iter_kv(bad, lambda n, k, r: skipped.append((n, k)))] == [
        "good"
    ]
    assert skipped == [(2, "bad")]
