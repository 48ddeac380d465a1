"""Small file helpers shared by every stage: atomic writes and Kaldi-style key/value files."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Dict, Iterable, Iterator, Tuple, Union

PathLike = Union[str, Path]


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "w", encoding: str = "utf-8") -> Iterator:
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds.

    A killed process leaves at worst a ``.tmp*`` file behind, never a truncated ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp")
    kwargs = {} if "b" in mode else {"encoding": encoding}
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_figure_atomic(fig, png: PathLike, dpi: int = 90) -> Path:  # type: ignore[no-untyped-def]
    """Save a matplotlib figure to ``png`` atomically (temporary file, then rename) and close it."""
    import matplotlib.pyplot as plt

    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_name(f".{png.name}.tmp.png")
    fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    tmp.replace(png)
    return png


def write_text_atomic(path: PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path) as handle:
        handle.write(text)


def iter_kv(path: PathLike) -> Iterator[Tuple[int, str, str]]:
    """``(line number, key, value)`` for each non-blank ``key value...`` line of a Kaldi-style file.

    The one parser of key/value files in bigssl. ESPnet's ``read_2columns_text`` crashes on a
    blank line and reports duplicates as RuntimeError; callers here need line numbers and
    ValueErrors that name the file.
    """
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            key, _, value = line.partition(" ")
            yield lineno, key, value.strip()


def read_kv(path: PathLike, one_token: bool = False) -> Dict[str, str]:
    """Read a Kaldi-style ``key value...`` file into an ordered dict (value may be empty).

    Raises ValueError naming the file and line for duplicate keys and, with ``one_token``, for
    a value that is not exactly one token (``utt2group``-style files).
    """
    table: Dict[str, str] = {}
    for lineno, key, value in iter_kv(path):
        if key in table:
            raise ValueError(f"{path}:{lineno}: duplicate key '{key}'")
        if one_token and len(value.split()) != 1:
            raise ValueError(
                f"{path}:{lineno}: expected '<key> <value>', got '{key} {value}'"
            )
        table[key] = value
    return table


def examples(ids: Iterable[str], noun: str = "", limit: int = 3) -> str:
    """``"2 noun (e.g. ['a', 'b'])"``: how many ids and the first few (sorted), for error messages."""
    listed = sorted(ids)
    return f"{len(listed)}{' ' + noun if noun else ''} (e.g. {listed[:limit]})"


def check_same_ids(
    keys: Iterable[str],
    reference_keys: Iterable[str],
    what: PathLike,
    reference: PathLike,
) -> None:
    """Raise ValueError if ``what``'s ids differ from ``reference``'s, naming both and a few ids."""
    keys, reference_keys = set(keys), set(reference_keys)
    if keys != reference_keys:
        parts = [
            examples(ids, noun)
            for ids, noun in (
                (reference_keys - keys, "missing"),
                (keys - reference_keys, "extra"),
            )
            if ids
        ]
        raise ValueError(
            f"{what}: utterance set differs from {reference}: {', '.join(parts)}"
        )


def write_kv(path: PathLike, items: Iterable[Tuple[str, str]]) -> None:
    """Write ``key value`` lines atomically, sorted by key (Kaldi's C-locale order)."""
    rows = sorted(items, key=lambda kv: kv[0].encode("utf-8"))
    with atomic_open(path) as handle:
        for key, value in rows:
            handle.write(f"{key} {value}\n" if value != "" else f"{key}\n")
