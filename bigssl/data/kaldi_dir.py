"""Kaldi-style data directories: ``wav.scp``, ``text``, ``utt2spk``, ``spk2utt``."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bigssl.io_utils import PathLike, read_kv, write_kv


@dataclass
class DataDir:
    """In-memory view of a Kaldi data dir. ``text`` is empty for unlabeled data."""

    wav_scp: Dict[str, str]
    utt2spk: Dict[str, str]
    text: Dict[str, str] = field(default_factory=dict)

    @property
    def utt_ids(self) -> List[str]:
        return sorted(self.wav_scp, key=lambda u: u.encode("utf-8"))

    def spk2utt(self) -> Dict[str, List[str]]:
        table: Dict[str, List[str]] = defaultdict(list)
        for utt in self.utt_ids:
            table[self.utt2spk[utt]].append(utt)
        return dict(table)

    def subset(self, keep: List[str]) -> "DataDir":
        keep_set = set(keep)
        return DataDir(
            wav_scp={u: p for u, p in self.wav_scp.items() if u in keep_set},
            utt2spk={u: s for u, s in self.utt2spk.items() if u in keep_set},
            text={u: t for u, t in self.text.items() if u in keep_set},
        )

    def save(self, directory: PathLike, write_text: bool = True) -> None:
        """Write every file atomically; ``spk2utt`` is derived from ``utt2spk``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        write_kv(directory / "wav.scp", self.wav_scp.items())
        write_kv(directory / "utt2spk", self.utt2spk.items())
        write_kv(directory / "spk2utt", ((s, " ".join(u)) for s, u in self.spk2utt().items()))
        if write_text and self.text:
            write_kv(directory / "text", self.text.items())


def load_data_dir(directory: PathLike, require_text: bool = False) -> DataDir:
    """Load a data dir; ``text`` is optional unless ``require_text``."""
    directory = Path(directory)
    for name in ("wav.scp", "utt2spk"):
        if not (directory / name).is_file():
            raise FileNotFoundError(f"{directory}: missing {name}")
    text_path: Optional[Path] = directory / "text"
    if not text_path.is_file():
        if require_text:
            raise FileNotFoundError(f"{directory}: missing text")
        text_path = None
    return DataDir(
        wav_scp=read_kv(directory / "wav.scp"),
        utt2spk=read_kv(directory / "utt2spk"),
        text=read_kv(text_path) if text_path else {},
    )
