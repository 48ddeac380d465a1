"""Synthesize the mini corpus: fortunes sentences spoken by many espeak-ng voices.

Splits: ``train_labeled``, ``train_unlabeled`` (its transcripts go to a reference file that
training never reads), ``dev`` and ``test``. Sentences are disjoint across all splits; dev and
test speakers use held-out voice variants. Output is deterministic given the seed: each
utterance draws its voice, rate, pitch, gain and noise from an RNG seeded by (seed, split, index).
Each WAV is written atomically, so a killed run resumes where it stopped.

A second domain, off by default: the same sentence pool voiced by flite, another synthesizer
(``train_unlabeled_flite``, transcripts kept aside like ``train_unlabeled``; ``test_flite`` with
a held-out voice, see ``voices.FLITE_SPLIT_VOICES``). These splits take sentences after all the
espeak-ng ones, so turning them on leaves the espeak-ng splits byte-identical.

``data/local/lm_train.txt`` holds LM training text: every pool sentence no split uses plus the
``train_labeled`` transcripts, never dev, test or unlabeled text.
"""

from __future__ import annotations

import io
import json
import logging
import random
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import soundfile
from tqdm import tqdm

from bigssl.data.kaldi_dir import DataDir
from bigssl.data.mini.sentences import DEFAULT_FORTUNE_DIR, load_fortune_sentences
from bigssl.data.mini.voices import SPLIT_VARIANTS, speakers_for
from bigssl.io_utils import atomic_open, write_kv, write_text_atomic

logger = logging.getLogger(__name__)
SPLITS: Tuple[str, ...] = ("test", "dev", "train_labeled", "train_unlabeled")
# Planned after SPLITS (never reorder: sentences are dealt out in this order).
FLITE_SPLITS: Tuple[str, ...] = ("test_flite", "train_unlabeled_flite")
# Unlabeled split -> directory under data/local holding its kept-aside transcripts.
UNLABELED_REFERENCE: Dict[str, str] = {
    "train_unlabeled": "unlabeled_reference",
    "train_unlabeled_flite": "unlabeled_flite_reference",
}
SAMPLE_RATE = 16000
# espeak-ng's default rate (words per minute); flite gets duration_stretch = this / rate.
FLITE_BASE_RATE = 175


@dataclass(frozen=True)
class CorpusSpec:
    """Every option that changes the audio or the splits; stored as ``spec.json``."""

    num_labeled: int = 1200
    num_unlabeled: int = 4800
    num_dev: int = 100
    num_test: int = 200
    seed: int = 1
    min_words: int = 3
    max_words: int = 12
    rate_range: Tuple[int, int] = (130, 210)
    pitch_range: Tuple[int, int] = (25, 75)
    snr_db_range: Tuple[float, float] = (20.0, 40.0)
    num_unlabeled_flite: int = 0
    num_test_flite: int = 0

    def size(self, split: str) -> int:
        return {
            "train_labeled": self.num_labeled,
            "train_unlabeled": self.num_unlabeled,
            "dev": self.num_dev,
            "test": self.num_test,
            "train_unlabeled_flite": self.num_unlabeled_flite,
            "test_flite": self.num_test_flite,
        }[split]

    def splits(self) -> Tuple[str, ...]:
        """The splits this corpus has: the espeak-ng ones always, flite ones when non-empty."""
        return SPLITS + tuple(s for s in FLITE_SPLITS if self.size(s) > 0)

    def to_json(self) -> str:
        """``spec.json`` text; without the flite sizes when both are 0, as before they existed."""
        fields = asdict(self)
        if not (self.num_unlabeled_flite or self.num_test_flite):
            del fields["num_unlabeled_flite"], fields["num_test_flite"]
        return json.dumps(fields, indent=2, sort_keys=True)


@dataclass(frozen=True)
class Utterance:
    """One utterance to synthesize; ``rate`` is words per minute, ``pitch`` is espeak-ng only."""

    utt_id: str
    speaker: str
    voice: str
    rate: int
    pitch: int
    gain: float
    snr_db: float
    noise_seed: int
    text: str
    wav_path: str
    engine: str = "espeak-ng"


def check_espeak_voices() -> None:
    """Fail early if espeak-ng is missing or lacks a variant we use (it would silently fall back)."""
    try:
        listing = subprocess.run(
            ["espeak-ng", "--voices=variant"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except FileNotFoundError as exc:
        raise RuntimeError(
            "espeak-ng is not installed; run tools/install.sh (Debian package espeak-ng)"
        ) from exc
    available = {
        line.split()[-1].split("/")[-1]
        for line in listing.splitlines()[1:]
        if line.split()
    }
    wanted = {v for variants in SPLIT_VARIANTS.values() for v in variants}
    missing = sorted(wanted - available)
    if missing:
        raise RuntimeError(
            f"espeak-ng lacks voice variant(s) {missing}; found {len(available)} variants"
        )


def check_flite_voices(voices: Sequence[str]) -> None:
    """Fail early if flite is missing or lacks one of ``voices``."""
    try:
        listing = subprocess.run(
            ["flite", "-lv"], check=True, capture_output=True, text=True
        ).stdout
    except FileNotFoundError as exc:
        raise RuntimeError(
            "flite is not installed; run tools/install.sh (Debian package flite)"
        ) from exc
    available = set(listing.split(":", 1)[-1].split())
    missing = sorted(set(voices) - available)
    if missing:
        raise RuntimeError(f"flite lacks voice(s) {missing}; found {sorted(available)}")


def plan_corpus(
    spec: CorpusSpec, audio_dir: Path, sentences: Sequence[str]
) -> Dict[str, List[Utterance]]:
    """Assign disjoint sentences and per-utterance synthesis settings to every split."""
    total = sum(spec.size(s) for s in SPLITS + FLITE_SPLITS)
    if total > len(sentences):
        raise ValueError(
            f"{total} utterances requested but only {len(sentences)} distinct sentences are available"
        )
    order = list(sentences)
    random.Random(spec.seed).shuffle(order)
    plan: Dict[str, List[Utterance]] = {}
    start = 0
    for split_index, split in enumerate(SPLITS + FLITE_SPLITS):
        voices = speakers_for(split)
        engine = "flite" if split in FLITE_SPLITS else "espeak-ng"
        utts = []
        for i, text in enumerate(order[start : start + spec.size(split)]):
            rng = random.Random(spec.seed * 1_000_003 + split_index * 10_007 + i)
            voice = voices[rng.randrange(len(voices))]
            speaker = f"flite_{voice}" if engine == "flite" else voice.replace("+", "_")
            utt_id = f"{speaker}-{split}-{i:06d}"
            utts.append(
                Utterance(
                    utt_id=utt_id,
                    speaker=speaker,
                    voice=voice,
                    rate=rng.randint(*spec.rate_range),
                    pitch=rng.randint(*spec.pitch_range),
                    gain=rng.uniform(0.3, 0.9),
                    snr_db=rng.uniform(*spec.snr_db_range),
                    noise_seed=rng.randrange(2**31),
                    text=text,
                    wav_path=str(audio_dir / split / f"{utt_id}.wav"),
                    engine=engine,
                )
            )
        plan[split] = utts
        start += spec.size(split)
    return plan


def lm_training_text(
    sentences: Sequence[str], plan: Dict[str, List[Utterance]]
) -> List[str]:
    """Sorted LM text: pool sentences no split uses, plus the ``train_labeled`` transcripts."""
    labeled = {u.text for u in plan.get("train_labeled", [])}
    used = {u.text for utts in plan.values() for u in utts}
    return sorted(s for s in set(sentences) if s not in used or s in labeled)


def _speak(utt: Utterance) -> Tuple[np.ndarray, int]:
    """Raw synthesizer output of one utterance: (mono float32 audio, sample rate)."""
    if utt.engine == "flite":
        stretch = f"duration_stretch={FLITE_BASE_RATE / utt.rate:.4f}"
        with tempfile.TemporaryDirectory(prefix="flite") as tmp:
            out = Path(tmp) / "out.wav"
            cmd = ["flite", "-voice", utt.voice, "--setf", stretch]
            cmd += ["-t", utt.text.lower(), "-o", str(out)]
            subprocess.run(cmd, check=True, capture_output=True)
            audio, rate = soundfile.read(str(out), dtype="float32")
    elif utt.engine == "espeak-ng":
        cmd = ["espeak-ng", "-v", utt.voice, "-s", str(utt.rate)]
        # "--": a text that starts with "-" is spoken, not read as an option
        cmd += ["-p", str(utt.pitch), "--stdout", "--", utt.text.lower()]
        result = subprocess.run(cmd, check=True, capture_output=True)
        audio, rate = soundfile.read(io.BytesIO(result.stdout), dtype="float32")
    else:
        raise ValueError(f"unknown synthesizer {utt.engine!r} for {utt.utt_id}")
    if audio.size == 0:
        raise RuntimeError(
            f"{utt.engine} produced no audio for {utt.utt_id}: {' '.join(cmd)}"
        )
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    return audio, rate


def synthesize(utt: Utterance) -> float:
    """Speak one utterance to a 16 kHz mono 16-bit WAV (skipped if present); returns seconds."""
    path = Path(utt.wav_path)
    if path.is_file():
        return soundfile.info(str(path)).duration
    audio, rate = _speak(utt)
    audio = _resample(audio, rate, SAMPLE_RATE)
    audio = audio / max(1e-4, float(np.abs(audio).max())) * utt.gain
    rng = np.random.default_rng(utt.noise_seed)
    noise_rms = np.sqrt(np.mean(audio**2)) / (10 ** (utt.snr_db / 20))
    audio = np.clip(audio + rng.normal(0.0, noise_rms, audio.shape), -1.0, 1.0)
    with atomic_open(path, "wb") as handle:
        soundfile.write(handle, audio, SAMPLE_RATE, subtype="PCM_16", format="WAV")
    return len(audio) / SAMPLE_RATE


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)


def synthesize_all(
    utterances: Sequence[Utterance], nj: int = 2, desc: str = "synthesize"
) -> Dict[str, float]:
    """Synthesize ``utterances`` in ``nj`` processes with a progress bar; utterance -> seconds."""
    durations: Dict[str, float] = {}
    with Pool(max(1, nj), initializer=_worker_init) as pool:
        progress = tqdm(
            pool.imap(synthesize, utterances, chunksize=8),
            total=len(utterances),
            desc=desc,
            unit="utt",
        )
        for utt, seconds in zip(utterances, progress):
            durations[utt.utt_id] = seconds
    return durations


def _resample(audio: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Band-limited (windowed sinc) resampling with torchaudio."""
    if src_rate == dst_rate:
        return audio
    import torch
    import torchaudio.functional as F

    return F.resample(
        torch.from_numpy(np.ascontiguousarray(audio)), src_rate, dst_rate
    ).numpy()


def build_mini_corpus(
    audio_dir: Path,
    data_dir: Path,
    spec: CorpusSpec = CorpusSpec(),
    fortune_dir: Path = DEFAULT_FORTUNE_DIR,
    nj: int = 2,
) -> Dict[str, float]:
    """Synthesize all splits, write Kaldi data dirs and LM text; returns hours per split."""
    audio_dir, data_dir = Path(audio_dir), Path(data_dir)
    spec_path = audio_dir / "spec.json"
    spec_json = spec.to_json()
    if spec_path.is_file() and spec_path.read_text() != spec_json:
        raise ValueError(
            f"{audio_dir} holds a corpus built with other options ({spec_path}); remove it or choose another directory"
        )
    splits = spec.splits()
    check_espeak_voices()
    flite_voices = {v for s in splits if s in FLITE_SPLITS for v in speakers_for(s)}
    if flite_voices:
        check_flite_voices(sorted(flite_voices))
    sentences = load_fortune_sentences(fortune_dir, spec.min_words, spec.max_words)
    plan = plan_corpus(spec, audio_dir, sentences)
    write_text_atomic(spec_path, spec_json)
    for split in splits:
        (audio_dir / split).mkdir(parents=True, exist_ok=True)
        for stale in (audio_dir / split).glob(".*.tmp*"):
            stale.unlink()  # left by a killed run; the WAV it was writing is redone below

    hours: Dict[str, float] = {}
    everything = [u for split in splits for u in plan[split]]
    durations = synthesize_all(everything, nj)
    for split in splits:
        utts = plan[split]
        data = DataDir(
            wav_scp={u.utt_id: u.wav_path for u in utts},
            utt2spk={u.utt_id: u.speaker for u in utts},
            text={u.utt_id: u.text for u in utts},
        )
        labeled = split not in UNLABELED_REFERENCE
        data.save(data_dir / split, write_text=labeled)
        if not labeled:
            # Kept aside for analysis (pseudo-label WER, the all-labels topline); training never reads it.
            reference = data_dir / "local" / UNLABELED_REFERENCE[split] / "text"
            write_kv(reference, data.text.items())
        hours[split] = sum(durations[u.utt_id] for u in utts) / 3600
        logger.info(
            "%s: %d utterances, %d speakers, %.2f h",
            split,
            len(utts),
            len({u.speaker for u in utts}),
            hours[split],
        )
    write_text_atomic(
        data_dir / "local" / "corpus_hours.json",
        json.dumps(hours, indent=2, sort_keys=True),
    )
    lm_text = lm_training_text(sentences, plan)
    write_text_atomic(
        data_dir / "local" / "lm_train.txt", "".join(f"{s}\n" for s in lm_text)
    )
    logger.info(
        "lm_train.txt: %d sentences (%d train_labeled transcripts + pool sentences no split uses)",
        len(lm_text),
        len(plan["train_labeled"]),
    )
    return hours
