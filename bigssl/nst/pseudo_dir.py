"""Reading and checking pseudo-label dirs (written by :mod:`bigssl.nst.pseudo_label`) and their K-best files.

A pseudo-label dir holds ``wav.scp``, ``utt2spk``, ``text``, ``confidence``, ``num_tokens`` and
``duration``, all keyed by the same utterance ids. One written with ``--nbest K`` also holds
``nbest_text.<k>``/``nbest_weight.<k>`` (k = 1..K). Every error names the file and the utterance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bigssl.data.kaldi_dir import DataDir
from bigssl.io_utils import PathLike, check_same_ids, read_kv, write_kv

# Files of a pseudo-label dir, all keyed by the same utterance ids.
PSEUDO_FILES = ("wav.scp", "utt2spk", "text", "confidence", "num_tokens", "duration")
NBEST_TEXT = "nbest_text"
NBEST_WEIGHT = "nbest_weight"
NBEST_SUM_TOLERANCE = 1e-3  # the weights are written with 6 decimals


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


@dataclass
class NBest:
    """The K-best hypotheses of a pseudo-label dir: ``texts[utt][k - 1]``, ``weights[utt][k - 1]``."""

    k: int
    texts: Dict[str, List[str]]
    weights: Dict[str, List[float]]

    def subset(self, utts: Sequence[str]) -> "NBest":
        return NBest(
            self.k, {u: self.texts[u] for u in utts}, {u: self.weights[u] for u in utts}
        )

    def save(self, directory: PathLike) -> None:
        directory = Path(directory)
        for k in range(self.k):
            write_kv(
                directory / f"{NBEST_TEXT}.{k + 1}",
                ((u, h[k]) for u, h in self.texts.items()),
            )
            write_kv(
                directory / f"{NBEST_WEIGHT}.{k + 1}",
                ((u, f"{w[k]:.6f}") for u, w in self.weights.items()),
            )


def nbest_files(directory: PathLike) -> List[Path]:
    """The ``nbest_text.*``/``nbest_weight.*`` files of ``directory`` (empty without K-best)."""
    directory = Path(directory)
    return sorted(
        p
        for pattern in (f"{NBEST_TEXT}.*", f"{NBEST_WEIGHT}.*")
        for p in directory.glob(pattern)
        if p.is_file()
    )


def load_nbest(directory: PathLike, utts: Sequence[str]) -> Optional[NBest]:
    """Read and check the K-best files of ``directory``; None when it has none.

    ``nbest_text.k`` and ``nbest_weight.k`` must exist for every k = 1..K and cover exactly ``utts``;
    weights are numbers in [0, 1] summing to 1 (within 1e-3) over the K hypotheses of an utterance
    (a slot the beam did not fill has an empty text and weight 0; an all-blank hypothesis is empty
    too but may carry weight, so the sum runs over all K). Errors name file and utterance.
    """
    directory = Path(directory)
    files = nbest_files(directory)
    if not files:
        return None
    indices: Dict[str, set] = {}
    for path in files:
        stem, _, suffix = path.name.rpartition(".")
        if not suffix.isdigit() or int(suffix) < 1:
            raise ValueError(
                f"{path}: K-best file names must end in .1, .2, ... (got '{path.name}')"
            )
        indices.setdefault(stem, set()).add(int(suffix))
    k = max(max(v) for v in indices.values())
    for stem in (NBEST_TEXT, NBEST_WEIGHT):
        missing = sorted(set(range(1, k + 1)) - indices.get(stem, set()))
        if missing:
            raise FileNotFoundError(
                f"{directory}: K-best files for K={k} but no {', '.join(f'{stem}.{i}' for i in missing)}"
            )
    want = set(utts)
    texts: Dict[str, List[str]] = {u: [] for u in want}
    weights: Dict[str, List[float]] = {u: [] for u in want}
    for i in range(1, k + 1):
        for stem, target in ((NBEST_TEXT, texts), (NBEST_WEIGHT, weights)):
            path = directory / f"{stem}.{i}"
            table = read_kv(path)
            check_same_ids(table, want, path, directory / "wav.scp")
            for utt, value in table.items():
                if stem == NBEST_TEXT:
                    target[utt].append(" ".join(value.split()))
                    continue
                weight = _parse_float(path, utt, value)
                if not 0.0 <= weight <= 1.0:
                    raise ValueError(
                        f"{path}: utterance '{utt}': weight {weight} outside [0, 1]"
                    )
                target[utt].append(weight)
    for utt in sorted(want, key=lambda u: u.encode("utf-8")):
        total = sum(weights[utt])
        if abs(total - 1.0) > NBEST_SUM_TOLERANCE:
            raise ValueError(
                f"{directory}/{NBEST_WEIGHT}.1..{k}: utterance '{utt}': the {k} weights sum to {total:.6f}, not 1"
            )
    return NBest(k, texts, weights)


def subset_pseudo_dir(source: PathLike, utts: Sequence[str], target: PathLike) -> int:
    """Write the pseudo-labels of ``utts`` (and their K-best files) from ``source`` into ``target``.

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
    load_nbest(
        source, sorted(data.wav_scp)
    )  # checks the K-best files before they are copied
    # wav.scp, utt2spk (and spk2utt) through the data-dir model; the label files row by row
    data.subset(sorted(keep)).save(target, write_text=False)
    labels = [n for n in PSEUDO_FILES if n not in ("wav.scp", "utt2spk")]
    for path in [source / name for name in labels] + nbest_files(source):
        rows = read_kv(path)
        write_kv(target / path.name, ((u, v) for u, v in rows.items() if u in keep))
    return len(keep)
