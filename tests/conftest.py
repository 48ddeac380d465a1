"""Shared fixtures: a tiny synthetic corpus built once per test session."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
import pytest
import soundfile

from bigssl.data.mini.synth import CorpusSpec, build_mini_corpus

if TYPE_CHECKING:
    import argparse

    import torch

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


def save_exp(
    args: argparse.Namespace,
    model: torch.nn.Module,
    exp: Path,
    model_name: str = "model.pth",
) -> Tuple[Path, Path]:
    """``model`` as ESPnet training leaves it in ``exp``: config.yaml (``args``) and the state
    dict ``model_name``; their paths."""
    import torch
    from espnet2.utils.yaml_no_alias_safe_dump import yaml_no_alias_safe_dump

    exp.mkdir(parents=True, exist_ok=True)
    config, model_file = exp / "config.yaml", exp / model_name
    with open(config, "w", encoding="utf-8") as handle:
        yaml_no_alias_safe_dump(vars(args), handle, indent=4, sort_keys=False)
    torch.save(model.state_dict(), model_file)
    return config, model_file


def save_tiny_ssl_exp(exp: Path, seed: int) -> Path:
    """An exp dir as pretraining leaves it: config.yaml and valid.loss.ave.pth of a 2-block
    Conformer (TEMPLATE's pretrain_tiny.yaml) initialized with ``seed``."""
    import torch

    from bigssl.ssl.task import BigSSLTask

    tiny = REPO / "egs/TEMPLATE/asr1/conf/ssl/pretrain_tiny.yaml"
    args = BigSSLTask.get_parser().parse_args(
        ["--config", str(tiny), "--output_dir", str(exp)]
        + ["--encoder_conf", "num_blocks=2"]
    )
    torch.manual_seed(seed)
    save_exp(args, BigSSLTask.build_model(args), exp, "valid.loss.ave.pth")
    return exp
