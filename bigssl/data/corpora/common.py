"""What the corpus readers share: the error for a missing or malformed corpus, per-utterance
problems collected while reading (fatal together, or logged and counted skips with ``drop_bad``),
and a recursive search that follows symlinked folders."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Set, Tuple

from bigssl.io_utils import PathLike

logger = logging.getLogger(__name__)


def walk_once(
    root: PathLike, skip_hidden: bool = False
) -> Iterator[Tuple[str, List[str], List[str]]]:
    """``os.walk(root)`` with symlinked folders followed, each real folder visited once (no loops
    through links); with ``skip_hidden``, folders and files whose names start with ``.`` are left out.
    """
    seen: Set[str] = set()
    for folder, subfolders, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            subfolders[:] = []
            continue
        seen.add(real)
        if skip_hidden:
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
            files = [f for f in files if not f.startswith(".")]
        yield folder, subfolders, files


def find_under(root: Path, pattern: str) -> List[Path]:
    """Sorted paths below ``root`` that ``root.rglob(pattern)`` would give, symlinked folders followed.

    Corpora are often assembled from links (``amicorpus -> /bigdisk/amicorpus``); ``rglob`` does
    not descend into a linked folder.
    """
    found: List[Path] = []
    for folder, subfolders, files in walk_once(root):
        for name in subfolders + files:
            path = Path(folder) / name
            if path.relative_to(root).match(pattern):
                found.append(path)
    return sorted(found)


class CorpusError(ValueError):
    """A corpus is missing, incomplete or malformed; the message names the path and where the
    corpus is obtained."""


@dataclass
class Problems:
    """Per-utterance problems of a corpus; ``obtain`` says where it is obtained (quoted in the error)."""

    obtain: str
    found: List[str] = field(default_factory=list)

    def add(self, where: PathLike, message: str) -> None:
        self.found.append(f"{where}: {message}")

    def settle(self, what: str, drop_bad: bool) -> int:
        """Raise CorpusError listing the problems unless ``drop_bad``; returns how many were skipped."""
        count = len(self.found)
        if not count:
            return 0
        listed = "\n  ".join(self.found[:30])
        more = f"\n  ... and {count - 30} more" if count > 30 else ""
        self.found = []
        if not drop_bad:
            raise CorpusError(
                f"{what}: {count} problem(s):\n  {listed}{more}\n"
                f"(--drop_bad true skips these utterances; {self.obtain})"
            )
        logger.warning(
            "%s: skipped %d utterance(s) (--drop_bad true):\n  %s%s",
            what,
            count,
            listed,
            more,
        )
        return count
