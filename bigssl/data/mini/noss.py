"""mini-NOSS: non-semantic speech tasks whose labels the synthesizers give for free.

Five tasks, each with train/dev/test splits whose sentences are disjoint:

* ``speaker``: which of 12 espeak-ng voice variants speaks (en-us; variants none of the mini
  corpus's training voices use), 12 classes;
* ``accent``: which of espeak-ng's 8 English accents (random held-out variant), 8 classes;
* ``language``: which of 8 languages, each voice reading random numbers, which espeak-ng speaks as
  that language's own number words, 8 classes;
* ``synthesizer``: espeak-ng or flite, 2 classes;
* ``speaking_rate``: espeak-ng's words per minute (90-270), regression.

Each split is a dir ``<data_dir>/<task>/<split>`` with ``wav.scp`` and ``utt2label``; ``task.json``
says the task's kind and classes.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from bigssl.data.mini.sentences import DEFAULT_FORTUNE_DIR, load_fortune_sentences
from bigssl.data.mini.synth import (
    Utterance,
    check_espeak_voices,
    check_flite_voices,
    synthesize_all,
)
from bigssl.data.mini.voices import ACCENTS, DEV_VARIANTS, TEST_VARIANTS
from bigssl.io_utils import write_kv, write_text_atomic

logger = logging.getLogger(__name__)

TASKS = ("speaker", "accent", "language", "synthesizer", "speaking_rate")
SPLITS = ("train", "dev", "test")
HELD_OUT_VARIANTS = (
    DEV_VARIANTS + TEST_VARIANTS
)  # voices the mini ASR corpus never trains on
LANGUAGES = ("en-us", "de", "fr-fr", "es", "it", "nl", "pl", "fi")
FLITE_VOICES = ("kal", "awb", "rms", "slt")
RATE_RANGE = (90, 270)


@dataclass(frozen=True)
class NossSpec:
    """Utterances per split of every task, and the seed."""

    num_train: int = 240
    num_dev: int = 80
    num_test: int = 120
    seed: int = 1

    def sizes(self) -> Dict[str, int]:
        return {"train": self.num_train, "dev": self.num_dev, "test": self.num_test}


def _numbers(rng: random.Random) -> str:
    return " ".join(str(rng.randint(1, 9999)) for _ in range(rng.randint(3, 5)))


def _utterance(
    task: str,
    split: str,
    index: int,
    sentence: str,
    rng: random.Random,
    audio_dir: Path,
) -> Tuple[Utterance, str]:
    """One utterance of ``task`` and its label."""
    variant = rng.choice(HELD_OUT_VARIANTS)
    voice, text, engine, rate = (
        f"en-us+{variant}",
        sentence,
        "espeak-ng",
        rng.randint(150, 190),
    )
    if task == "speaker":
        label = variant
    elif task == "accent":
        label = rng.choice(ACCENTS)
        voice = f"{label}+{variant}"
    elif task == "language":
        label = rng.choice(LANGUAGES)
        voice, text = f"{label}+{variant}", _numbers(rng)
    elif task == "synthesizer":
        label = rng.choice(("espeak-ng", "flite"))
        if label == "flite":
            engine, voice = "flite", rng.choice(FLITE_VOICES)
        else:
            voice = f"{rng.choice(ACCENTS)}+{variant}"
    elif task == "speaking_rate":
        rate = rng.randint(*RATE_RANGE)
        label = str(rate)
    else:
        raise ValueError(f"unknown mini-NOSS task {task!r}")
    utt_id = f"{task}-{split}-{index:05d}"
    utt = Utterance(
        utt_id=utt_id,
        speaker=voice,
        voice=voice,
        rate=rate,
        pitch=50,
        gain=rng.uniform(0.3, 0.9),
        snr_db=rng.uniform(20.0, 40.0),
        noise_seed=rng.randrange(2**31),
        text=text,
        wav_path=str(audio_dir / task / split / f"{utt_id}.wav"),
        engine=engine,
    )
    return utt, label


def plan_noss(
    spec: NossSpec, audio_dir: Path, sentences: Sequence[str]
) -> Dict[Tuple[str, str], List[Tuple[Utterance, str]]]:
    """(task, split) -> utterances and labels; each split draws from its own third of the sentences."""
    rng = random.Random(spec.seed)
    pool = list(sentences)
    rng.shuffle(pool)
    third = len(pool) // 3
    split_sentences = {
        s: pool[i * third : (i + 1) * third] for i, s in enumerate(SPLITS)
    }
    plan = {}
    for task in TASKS:
        for split, size in spec.sizes().items():
            picked = rng.sample(split_sentences[split], size)
            plan[(task, split)] = [
                _utterance(task, split, i, sentence, rng, audio_dir)
                for i, sentence in enumerate(picked)
            ]
    return plan


def task_info(task: str, labels: Sequence[str]) -> Dict[str, object]:
    if task == "speaking_rate":
        return {"kind": "regression", "target": "words per minute"}
    return {"kind": "classification", "classes": sorted(set(labels))}


def build_mini_noss(
    audio_dir: Path,
    data_dir: Path,
    spec: NossSpec = NossSpec(),
    fortune_dir: Path = DEFAULT_FORTUNE_DIR,
    nj: int = 2,
) -> Dict[str, int]:
    """Synthesize every task's splits (existing WAVs are kept) and write the data dirs; returns
    utterances per task."""
    audio_dir, data_dir = Path(audio_dir), Path(data_dir)
    check_espeak_voices()
    check_flite_voices(list(FLITE_VOICES))
    plan = plan_noss(spec, audio_dir, load_fortune_sentences(fortune_dir))
    for task, split in plan:
        (audio_dir / task / split).mkdir(parents=True, exist_ok=True)
        for stale in (audio_dir / task / split).glob(".*.tmp*"):
            stale.unlink()  # left by a killed run; redone below
    everything = [utt for rows in plan.values() for utt, _ in rows]
    synthesize_all(everything, nj, desc="synthesize mini-NOSS")
    counts: Dict[str, int] = {}
    for (task, split), rows in plan.items():
        out = data_dir / task / split
        write_kv(out / "wav.scp", ((u.utt_id, u.wav_path) for u, _ in rows))
        write_kv(out / "utt2label", ((u.utt_id, label) for u, label in rows))
        counts[task] = counts.get(task, 0) + len(rows)
    for task in TASKS:
        labels = [label for split in SPLITS for _, label in plan[(task, split)]]
        write_text_atomic(
            data_dir / task / "task.json", json.dumps(task_info(task, labels), indent=2)
        )
        logger.info("mini-NOSS %s: %d utterances", task, counts[task])
    return counts
