"""Reading and checking pseudo-label dirs (written by :mod:`bigssl.nst.pseudo_label`).

A pseudo-label dir holds ``wav.scp``, ``utt2spk``, ``text``, ``confidence``, ``num_tokens`` and
``duration``, all keyed by the same utterance ids. Every error names the file and the utterance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from bigssl.data.kaldi_dir import DataDir
from bigssl.io_utils import PathLike, check_same_ids, read_kv, write_kv

# Files of a pseudo-label dir, all keyed by the same utterance ids.
PSEUDO_FILES = ("wav.scp", "utt2spk", "text", "confidence", "num_tokens", "duration")


@dataclass(frozen=True)
class PseudoLabel:
    utt: str
    text: str
    confidence: float
    num_tokens: int
    duration: float

    @property
    def tokens_per_sec(self) -> float:
        return self.num_tokens / self.duration


def _parse_float(path: Path, utt: str, value: str) -> float:
    if len(value.split()) != 1:
        raise ValueError(
            f"{path}: utterance '{utt}': expected one number, got '{value}' (malformed line)"
        )
    try:
        number = float(value)
    except ValueError:
        raise ValueError(
            f"{path}: utterance '{utt}': not a number: '{value}'"
        ) from None
    if not math.isfinite(number):
        raise ValueError(f"{path}: utterance '{utt}': not a finite number: '{value}'")
    return number


def _parse_int(path: Path, utt: str, value: str) -> int:
    number = _parse_float(path, utt, value)
    if number != int(number) or number < 0:
        raise ValueError(
            f"{path}: utterance '{utt}': expected a non-negative integer, got '{value}'"
        )
    return int(number)


def load_pseudo_dir(pseudo_dir: PathLike) -> Tuple[DataDir, List[PseudoLabel]]:
    """Read and validate a pseudo-label dir; errors name the file and the utterance."""
    pseudo_dir = Path(pseudo_dir)
    tables: Dict[str, Dict[str, str]] = {}
    for name in PSEUDO_FILES:
        path = pseudo_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"{pseudo_dir}: missing {name}")
        tables[name] = read_kv(path)
    reference_name = "wav.scp"
    utts = set(tables[reference_name])
    for name in PSEUDO_FILES[1:]:
        check_same_ids(
            tables[name], utts, pseudo_dir / name, pseudo_dir / reference_name
        )
    for name in ("wav.scp", "utt2spk"):
        for utt, value in tables[name].items():
            if not value:
                raise ValueError(
                    f"{pseudo_dir / name}: utterance '{utt}': no value (malformed line)"
                )
    labels = []
    for utt in sorted(utts, key=lambda u: u.encode("utf-8")):
        confidence = _parse_float(
            pseudo_dir / "confidence", utt, tables["confidence"][utt]
        )
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(
                f"{pseudo_dir / 'confidence'}: utterance '{utt}': confidence {confidence} outside [0, 1]"
            )
        duration = _parse_float(pseudo_dir / "duration", utt, tables["duration"][utt])
        if duration <= 0:
            raise ValueError(
                f"{pseudo_dir / 'duration'}: utterance '{utt}': duration must be > 0, got {duration}"
            )
        num_tokens = _parse_int(
            pseudo_dir / "num_tokens", utt, tables["num_tokens"][utt]
        )
        labels.append(
            PseudoLabel(utt, tables["text"][utt], confidence, num_tokens, duration)
        )
    data = DataDir(
        wav_scp=tables["wav.scp"], utt2spk=tables["utt2spk"], text=tables["text"]
    )
    return data, labels


def subset_pseudo_dir(source: PathLike, utts: Sequence[str], target: PathLike) -> int:
    """Write the pseudo-labels of ``utts`` from ``source`` into ``target``.

    Labels decoded by beam search are per utterance, so another generation whose unlabeled set is
    part of ``source``'s can reuse them (``--nst_pseudo_from``). Every utterance of ``utts`` must be
    in ``source``; an error names how many are not and the first of them. Returns the count.
    """
    source, target = Path(source), Path(target)
    data, _ = load_pseudo_dir(source)
    missing = [u for u in utts if u not in data.wav_scp]
    if missing:
        raise ValueError(
            f"{source}: {len(missing)} of {len(utts)} utterances have no pseudo-label "
            f"(first: '{missing[0]}')"
        )
    keep = set(utts)
    # wav.scp, utt2spk (and spk2utt) through the data-dir model; the label files row by row
    data.subset(sorted(keep)).save(target, write_text=False)
    labels = [n for n in PSEUDO_FILES if n not in ("wav.scp", "utt2spk")]
    for name in labels:
        rows = read_kv(source / name)
        write_kv(target / name, ((u, v) for u, v in rows.items() if u in keep))
    return len(keep)
