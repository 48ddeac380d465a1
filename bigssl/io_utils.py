"""Small file helpers shared by every stage: atomic writes and Kaldi-style key/value files."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, Optional, Tuple, Union

PathLike = Union[str, Path]


def _umask() -> int:
    """The process's umask (read by setting it and restoring it at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "w", encoding: str = "utf-8") -> Iterator:
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds.

    A killed process leaves at worst a ``.tmp*`` file behind, never a truncated ``path``. The file
    gets the permissions of a plain ``open`` (0666 less the umask), not mkstemp's private 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp")
    os.fchmod(fd, 0o666 & ~_umask())
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


def iter_kv(
    path: PathLike, on_bad_line: Optional[Callable[[int, str, str], None]] = None
) -> Iterator[Tuple[int, str, str]]:
    """``(line number, key, value)`` for each non-blank ``key value...`` line of a Kaldi-style file.

    The one parser of key/value files in bigssl. ESPnet's ``read_2columns_text`` crashes on a
    blank line and reports duplicates as RuntimeError; callers here need line numbers and
    ValueErrors that name the file. A line that is not valid UTF-8 is a ValueError naming the
    file and line, or, with ``on_bad_line``, is passed to it as ``(line number, key as far as
    it decodes, reason)`` and skipped (data-dir validation drops such utterances).
    """
    with open(path, "rb") as handle:
        for lineno, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8").rstrip("\n")
            except UnicodeDecodeError as err:
                reason = f"not valid UTF-8 (byte {raw[err.start]:#04x} at column {err.start + 1})"
                if on_bad_line is None:
                    raise ValueError(f"{path}:{lineno}: {reason}") from None
                key = (raw.decode("utf-8", errors="replace").split(None, 1) or [""])[0]
                on_bad_line(lineno, key, reason)
                continue
            if not line.strip():
                continue
            # Kaldi and ESPnet (read_2columns_text): the key ends at the first run of spaces or tabs
            key, *rest = line.split(None, 1)
            yield lineno, key, rest[0].strip() if rest else ""


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
