"""What the corpus readers share: the error for a missing or malformed corpus or input, the
problems of single rows, utterances or recordings collected while reading (fatal together, or logged
and counted skips with ``drop_bad``), and a recursive search that follows symlinked folders."""

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


def numbered_lines(path: PathLike) -> Iterator[Tuple[str, str]]:
    """``(file:line, line)`` of every non-blank line of the UTF-8 text file ``path``, stripped."""
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if line.strip():
                yield f"{path}:{lineno}", line.strip()


class CorpusError(ValueError):
    """A corpus or input that cannot be read (missing, incomplete or malformed); the message names
    the file (and line, entry or utterance) of each problem and where the corpus is obtained.
    """


def _line_order(where: str) -> Tuple[str, int]:
    """Sort key of a ``file:line`` place: by file, then line number."""
    path, _, line = where.rpartition(":")
    return (path, int(line)) if line.isdigit() else (where, 0)


@dataclass
class Problems:
    """Problems of single rows, utterances or recordings found while reading a corpus or input:
    together one :class:`CorpusError` (:meth:`settle`), or with ``drop_bad`` logged, counted skips.

    ``advice`` ends the error (where the corpus is obtained, or what else to do); ``unit`` is what
    ``--drop_bad`` skips (``utterance``, ``row``); ``limit`` is how many problems are listed. A
    problem costs ``utterances`` (a missing recording: all of its own), summed by :attr:`skipped`.
    """

    advice: str = ""
    unit: str = "utterance"
    limit: int = 30
    items: List[Tuple[str, str, int]] = field(default_factory=list)

    def add(self, where: PathLike, message: str, utterances: int = 1) -> None:
        self.items.append((str(where), message, utterances))

    @property
    def found(self) -> List[str]:
        """The problems as ``where: message`` lines."""
        return [f"{where}: {message}" for where, message, _ in self.items]

    @property
    def skipped(self) -> int:
        """The utterances (or rows) the problems cost."""
        return sum(count for _, _, count in self.items)

    def sort_by_line(self) -> None:
        """Order the problems by file, then line number (places written ``file:line``)."""
        self.items.sort(key=lambda item: _line_order(item[0]))

    def settle(self, what: str, drop_bad: bool) -> int:
        """Raise CorpusError listing the problems unless ``drop_bad``; else log them and return how
        many utterances (rows) they cost. The list is emptied."""
        count, skipped = len(self.items), self.skipped
        if not count:
            return 0
        listed = "\n  ".join(self.found[: self.limit])
        more = f"\n  ... and {count - self.limit} more" if count > self.limit else ""
        self.items = []
        if not drop_bad:
            raise CorpusError(
                f"{what}: {count} problem(s):\n  {listed}{more}\n"
                f"(--drop_bad true skips these {self.unit}s; {self.advice})"
            )
        logger.warning(
            "%s: skipped %d %s(s) (--drop_bad true):\n  %s%s",
            what,
            skipped,
            self.unit,
            listed,
            more,
        )
        return skipped
