"""Shared fixtures: a tiny synthetic corpus built once per test session."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence

import numpy as np
import pytest
import soundfile

from bigssl.data.mini.synth import CorpusSpec, build_mini_corpus

REPO = Path(__file__).resolve().parents[1]
TINY_SPEC = CorpusSpec(num_labeled=12, num_unlabeled=16, num_dev=4, num_test=6, seed=7)
# what a pseudo-labeling run writes for every utterance
PSEUDO_FILES = ("text", "confidence", "num_tokens", "duration", "wav.scp", "utt2spk")


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny mini corpus: returns the root holding ``audio/`` and ``data/``."""
    root = tmp_path_factory.mktemp("tiny_corpus")
    build_mini_corpus(root / "audio", root / "data", TINY_SPEC, nj=2)
    return root


def run_command(
    cmd: Sequence[str],
    cwd: Optional[Path] = None,
    timeout: Optional[float] = None,
    env: Optional[Mapping[str, str]] = None,
) -> subprocess.CompletedProcess:
    """``cmd`` run to its end in ``cwd``, its stdout and stderr captured as text (no check)."""
    return subprocess.run(
        list(cmd),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else dict(env),
    )


def write_wav_dir(
    data: Path, wav_dir: Path, waves: Dict[str, np.ndarray], utt2spk: bool = True
) -> Path:
    """``waves`` (utterance id: samples) as 16 kHz float32 wavs ``wav_dir/<id>.wav``, listed in
    ``data``'s wav.scp and, with ``utt2spk``, its utt2spk (the speaker: the id before its '-').
    """
    data.mkdir(parents=True, exist_ok=True)
    wav_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for utt, samples in waves.items():
        wav = wav_dir / f"{utt}.wav"
        soundfile.write(wav, samples.astype(np.float32), 16000)
        rows.append(f"{utt} {wav}\n")
    (data / "wav.scp").write_text("".join(rows))
    if utt2spk:
        (data / "utt2spk").write_text(
            "".join(f"{u} {u.split('-')[0]}\n" for u in waves)
        )
    return data
