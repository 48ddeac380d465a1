"""What the corpus readers share: the error for a missing or malformed corpus, and per-utterance
problems collected while reading (fatal together, or logged and counted skips with ``drop_bad``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import List

from bigssl.io_utils import PathLike

logger = logging.getLogger(__name__)


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
