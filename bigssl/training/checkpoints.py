"""Checkpoints that survive a kill at any instant, around ESPnet's trainer (not a fork of it).

ESPnet's Trainer writes ``checkpoint.pth``, ``<N>epoch.pth`` and the averaged models in place with
``torch.save``: a kill during a write leaves a truncated file, and every rerun then dies in
ESPnet's resume. Tasks that mix in :class:`SafeCheckpoints` get two things:

- inside :func:`atomic_torch_saves`, every ``torch.save`` to a path writes a temporary file beside
  it, fsyncs it and renames it over the path, so the path always holds a whole file (the old or the
  new one). The checkpoint being replaced is kept as ``checkpoint.prev.pth`` and its epoch snapshot
  as ``checkpoint.prev.snapshot.pth`` (hard links: no copy), since ESPnet's ``keep_nbest_models``
  may delete ``<N>epoch.pth`` while the new checkpoint is still the only one.
- before ESPnet resumes, :func:`repair_checkpoint` checks ``checkpoint.pth``: zip structure and
  CRCs, and that the epoch snapshot it refers to exists. One that fails is moved aside to
  ``checkpoint.pth.unreadable``; the previous checkpoint takes its place (its snapshot restored
  from the kept link), or, when there is none, training starts over from epoch 1. What was resumed
  from is printed with a ``[bigssl] resume:`` prefix, which the training stages repeat on the
  console.

A wrapper around ``torch.save`` rather than a Trainer subclass, because ESPnet refuses custom
trainers under DeepSpeed (whose own checkpoints are not touched). For tests, the environment
variable ``BIGSSL_FAULT_KILL_BEFORE_RENAME=<file name>`` makes the process SIGKILL itself after that
file's temporary copy is written and before the rename: the worst instant of a write.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import torch

from bigssl.io_utils import atomic_open

CHECKPOINT = "checkpoint.pth"
PREVIOUS = "checkpoint.prev.pth"
PREVIOUS_SNAPSHOT = "checkpoint.prev.snapshot.pth"
RESUME_PREFIX = "[bigssl] resume:"
UNREADABLE_SUFFIX = ".unreadable"
FAULT_ENV = "BIGSSL_FAULT_KILL_BEFORE_RENAME"

logger = logging.getLogger(__name__)


def _link(source: Path, target: Path) -> bool:
    """Hard-link ``source`` to ``target`` atomically (through a staged link); False if impossible."""
    staged = target.with_name(f".{target.name}.link")
    with contextlib.suppress(FileNotFoundError):
        staged.unlink()
    try:
        os.link(source, staged)
    except (
        OSError
    ) as err:  # e.g. a file system without hard links: keep going without a fallback
        logger.warning("cannot keep %s as %s (%s)", source, target, err)
        return False
    os.replace(staged, target)
    return True


def _keep_previous(path: Path) -> None:
    """Keep the checkpoint about to be replaced as checkpoint.prev.pth, and its epoch snapshot."""
    if path.name != CHECKPOINT or not path.exists():
        return
    previous = path.with_name(PREVIOUS)
    if not _link(path, previous):
        return
    kept = path.with_name(PREVIOUS_SNAPSHOT)
    try:
        epoch = saved_epoch(previous)
    except Exception:  # noqa: BLE001 -- an unreadable one is never resumed from anyway
        epoch = None
    snapshot = path.with_name(f"{epoch}epoch.pth")
    if not epoch or not snapshot.exists() or not _link(snapshot, kept):
        with contextlib.suppress(FileNotFoundError):
            kept.unlink()  # never leave the snapshot of an older checkpoint beside this one


def atomic_save(
    obj: Any, path: Path, save: Callable[..., None], *args: Any, **kwargs: Any
) -> None:
    """``save(obj, handle)`` into a temporary file beside ``path``, then rename it over ``path``."""
    with atomic_open(path, "wb") as handle:
        save(obj, handle, *args, **kwargs)
        handle.flush()
        if os.environ.get(FAULT_ENV) == path.name:
            os.fsync(handle.fileno())
            os.kill(os.getpid(), signal.SIGKILL)
        _keep_previous(path)


@contextlib.contextmanager
def atomic_torch_saves() -> Iterator[None]:
    """Make every ``torch.save`` to a path atomic for the duration of the block."""
    original = torch.save

    def save(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(f, (str, os.PathLike)):
            atomic_save(obj, Path(f), original, *args, **kwargs)
        else:
            original(obj, f, *args, **kwargs)

    torch.save = save
    try:
        yield
    finally:
        torch.save = original


def unreadable_reason(path: Path) -> Optional[str]:
    """Why ``path`` cannot be loaded by ``torch.load`` (None if it can), without unpickling it."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
            return None if bad is None else f"member {bad} fails its CRC check"
        with open(
            path, "rb"
        ) as handle:  # not a zip: a legacy torch.save file or a truncated one
            torch.load(handle, map_location="cpu", weights_only=False)
        return None
    except (
        Exception
    ) as err:  # noqa: BLE001 -- any failure to read means "cannot resume from it"
        return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def saved_epoch(path: Path) -> Optional[int]:
    """The epoch an ESPnet ``checkpoint.pth`` was saved after (None if it records none)."""
    states = torch.load(path, map_location="cpu", weights_only=False, mmap=True)
    reporter = states.get("reporter") if isinstance(states, dict) else None
    epoch = reporter.get("epoch") if isinstance(reporter, dict) else None
    return int(epoch) if epoch is not None else None


def resume_problem(output_dir: Path, name: str) -> Optional[str]:
    """Why ``output_dir/name`` cannot be resumed from (None if it can).

    Besides an unreadable file: ESPnet saves ``checkpoint.pth`` and then ``<N>epoch.pth``, so a kill
    between the two leaves a checkpoint of epoch N without its snapshot, which the model averaging
    at the end of training would miss. Such a checkpoint is incomplete.
    """
    path = output_dir / name
    reason = unreadable_reason(path)
    if reason is not None:
        return reason
    epoch = saved_epoch(path)
    if epoch and not (output_dir / f"{epoch}epoch.pth").exists():
        return (
            f"incomplete: saved after epoch {epoch}, but {epoch}epoch.pth is missing "
            "(never written, or deleted by keep_nbest_models)"
        )
    return None


def remove_stale_temporaries(output_dir: Path) -> int:
    """Delete the temporary files killed saves left in ``output_dir``; return how many."""
    stale = [p for p in output_dir.glob(".*.pth.tmp*") if p.is_file()]
    stale += [p for p in output_dir.glob(".checkpoint.*.link") if p.is_file()]
    for path in stale:
        path.unlink()
    return len(stale)


def repair_checkpoint(output_dir: Path) -> str:
    """Make ``output_dir/checkpoint.pth`` resumable; return what was done (one line for the log)."""
    removed = remove_stale_temporaries(output_dir) if output_dir.is_dir() else 0
    note = (
        f" (removed {removed} temporary file(s) of interrupted saves)"
        if removed
        else ""
    )
    checkpoint = output_dir / CHECKPOINT
    if not checkpoint.exists():
        return f"no {checkpoint} to resume from{note}"
    reason = resume_problem(output_dir, CHECKPOINT)
    if reason is None:
        return f"{checkpoint} is resumable (saved after epoch {saved_epoch(checkpoint)}){note}"
    aside = checkpoint.with_name(CHECKPOINT + UNREADABLE_SUFFIX)
    os.replace(checkpoint, aside)
    message = (
        f"{checkpoint} cannot be resumed from ({reason}); moved it to {aside}{note}"
    )
    previous = output_dir / PREVIOUS
    if previous.exists():
        restored = _restore_previous_snapshot(output_dir)
        previous_reason = resume_problem(output_dir, PREVIOUS)
        if previous_reason is None:
            epoch = saved_epoch(previous)
            os.replace(previous, checkpoint)
            return (
                f"{message}; resuming from the checkpoint saved before it ({previous.name}, "
                f"after epoch {epoch}{restored})"
            )
        message += f"; {previous} cannot be resumed from either ({previous_reason})"
    return f"{message}; no usable checkpoint is left: training starts over from epoch 1"


def _restore_previous_snapshot(output_dir: Path) -> str:
    """Put back the previous checkpoint's epoch snapshot from its kept link if it was deleted."""
    kept = output_dir / PREVIOUS_SNAPSHOT
    if not kept.exists():
        return ""
    try:
        epoch = saved_epoch(output_dir / PREVIOUS)
    except Exception:  # noqa: BLE001 -- resume_problem names it
        return ""
    snapshot = output_dir / f"{epoch}epoch.pth"
    if not epoch or snapshot.exists() or not _link(kept, snapshot):
        return ""
    return f"; {snapshot.name} restored from {kept.name}"


def _is_first_process(args: argparse.Namespace) -> bool:
    """True on the process that may touch the output dir before training (rank 0, local rank 0)."""
    local_rank = getattr(args, "local_rank", None) or 0
    return os.environ.get("RANK", "0") == "0" and int(local_rank) == 0


class SafeCheckpoints:
    """Task mixin: repair the checkpoint before ESPnet resumes, and make its saves atomic.

    Put it before the ESPnet task class: ``class MyTask(SafeCheckpoints, ASRTask)``.
    """

    @classmethod
    def main_worker(cls, args: argparse.Namespace) -> None:
        if not args.collect_stats and args.output_dir is not None:
            if args.resume and _is_first_process(args):
                message = repair_checkpoint(Path(args.output_dir))
                # ESPnet configures logging later: print, so that train.log (and, through the
                # stage's run_logged, the console) always has it
                if not message.startswith("no "):  # a first attempt has nothing to say
                    print(f"{RESUME_PREFIX} {message}", file=sys.stderr, flush=True)
            with atomic_torch_saves():
                super().main_worker(args)  # type: ignore[misc]
        else:
            super().main_worker(args)  # type: ignore[misc]
