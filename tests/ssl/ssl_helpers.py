"""Helpers for the pretraining tests: tiny models and synthetic audio corpora."""

from __future__ import annotations

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()

from pathlib import Path  # noqa: E402
from typing import Callable, Dict, List  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from espnet2.asr.encoder.conformer_encoder import ConformerEncoder  # noqa: E402

from bigssl.ssl.contrastive import ContrastiveLoss  # noqa: E402
from bigssl.ssl.masking import SpanMasking  # noqa: E402
from bigssl.ssl.model import Wav2Vec2PretrainModel  # noqa: E402
from bigssl.ssl.targets import AbsTarget, LinearTarget  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SSL_CONF = REPO / "egs" / "TEMPLATE" / "asr1" / "conf" / "ssl"

TINY_ENCODER_CONF: Dict[str, object] = dict(
    output_size=32,
    attention_heads=2,
    linear_units=64,
    num_blocks=2,
    cnn_module_kernel=5,
    input_layer="conv2d",
    macaron_style=True,
    rel_pos_type="latest",
    pos_enc_layer_type="rel_pos",
    selfattention_layer_type="rel_selfattn",
    dropout_rate=0.0,
    positional_dropout_rate=0.0,
    attention_dropout_rate=0.0,
)


def tiny_model(
    input_size: int = 16,
    target: Callable[[int], AbsTarget] = lambda d: LinearTarget(d, 16),
    mask_prob: float = 0.1,
    span_length: int = 3,
    num_negatives: int = 10,
) -> Wav2Vec2PretrainModel:
    """A 2-block d=32 Conformer pretraining model fed with features (no frontend)."""
    encoder = ConformerEncoder(input_size, **TINY_ENCODER_CONF)
    d = encoder.output_size()
    tgt = target(d)
    return Wav2Vec2PretrainModel(
        frontend=None,
        specaug=None,
        normalize=None,
        encoder=encoder,
        masking=SpanMasking(d, mask_prob, span_length),
        target=tgt,
        loss=ContrastiveLoss(d, tgt.output_size(), num_negatives, 0.1),
    )


def write_corpus(root: Path, splits: Dict[str, int], seed: int = 0) -> Dict[str, Path]:
    """Synthetic 16 kHz int16 WAVs (FM tones + noise, 1-2 s) and a Kaldi wav.scp per split."""
    rng = np.random.default_rng(seed)
    (root / "wav").mkdir(parents=True, exist_ok=True)
    out: Dict[str, Path] = {}
    for split, count in splits.items():
        lines: List[str] = []
        for i in range(count):
            t = np.arange(int(16000 * rng.uniform(1.0, 2.0))) / 16000
            f0 = rng.uniform(100, 300)
            x = 0.3 * np.sin(
                2 * np.pi * f0 * t * (1 + 0.2 * np.sin(2 * np.pi * 0.7 * t))
            )
            x = x + 0.05 * rng.standard_normal(t.size)
            utt = f"{split}{i:03d}"
            path = root / "wav" / f"{utt}.wav"
            sf.write(path, (x * 32767).astype(np.int16), 16000)
            lines.append(f"{utt} {path}")
        (root / split).mkdir(parents=True, exist_ok=True)
        scp = root / split / "wav.scp"
        scp.write_text("\n".join(lines) + "\n")
        out[split] = scp
    return out
