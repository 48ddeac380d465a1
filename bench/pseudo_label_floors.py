"""Confidence and duration of a teacher's pseudo-labels on speech vs junk (the filter floors' data).

    python bench/pseudo_label_floors.py make DEV_DIR OUT   # OUT/data: DEV_DIR's speech + 30 white-noise
                                                           # clips (1-4 s) + 30 0.2 s fragments of it
    python bench/pseudo_label_floors.py report PSEUDO_DIR  # quantiles per group (speech, fragment, noise)

``bench/pseudo_label_floors.sh`` runs both around ``bigssl.bin.pseudo_label``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict

import numpy as np
import soundfile

from bigssl.io_utils import read_kv

GROUPS = ("speech", "fragment", "noise")


def make_junk_set(dev: Path, out: Path, num_junk: int = 30, seed: int = 0) -> Path:
    """A data dir of ``dev``'s utterances plus white noise and 0.2 s fragments; returns its path."""
    wavs = read_kv(dev / "wav.scp")
    audio = out / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows: Dict[str, str] = {
        f"speech-{u}": str(Path(p).resolve()) for u, p in wavs.items()
    }
    for i, (_, path) in enumerate(sorted(wavs.items())[:num_junk]):
        wave, rate = soundfile.read(path, dtype="float32")
        start = int(len(wave) * 0.4)
        fragment = audio / f"fragment-{i:02d}.wav"
        soundfile.write(fragment, wave[start : start + int(0.2 * rate)], rate)
        rows[f"fragment-{i:02d}"] = str(fragment)
    for i in range(num_junk):
        seconds = 1.0 + 3.0 * rng.random()
        noise = audio / f"noise-{i:02d}.wav"
        samples = (0.1 * rng.standard_normal(int(16000 * seconds))).astype("float32")
        soundfile.write(noise, samples, 16000)
        rows[f"noise-{i:02d}"] = str(noise)
    data = out / "data"
    data.mkdir(exist_ok=True)
    (data / "wav.scp").write_text(
        "".join(f"{u} {p}\n" for u, p in sorted(rows.items()))
    )
    (data / "utt2spk").write_text(
        "".join(f"{u} {u.split('-')[0]}\n" for u in sorted(rows))
    )
    return data


def report(pseudo: Path) -> None:
    """Print the confidence and duration range of each group of ``pseudo``'s utterances."""
    confidence = {u: float(v) for u, v in read_kv(pseudo / "confidence").items()}
    duration = {u: float(v) for u, v in read_kv(pseudo / "duration").items()}
    for group in GROUPS:
        c = np.array([v for u, v in confidence.items() if u.startswith(group)])
        d = np.array([v for u, v in duration.items() if u.startswith(group)])
        if not len(c):
            continue
        print(
            f"{pseudo.name} {group:8s} n={len(c):3d} confidence min {c.min():.3f} "
            f"p5 {np.quantile(c, 0.05):.3f} median {np.median(c):.3f} max {c.max():.3f}; "
            f"duration {d.min():.2f}-{d.max():.2f} s"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "make":
        make_junk_set(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "report":
        report(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
