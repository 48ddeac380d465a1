"""mini-NOSS: five non-semantic tasks with free labels, sentences disjoint across splits."""

from __future__ import annotations

import json
from pathlib import Path

import soundfile

from bigssl.data.mini.noss import (
    LANGUAGES,
    SPLITS,
    TASKS,
    NossSpec,
    build_mini_noss,
    plan_noss,
)
from bigssl.data.mini.sentences import load_fortune_sentences
from bigssl.io_utils import read_kv


def test_plan_keeps_sentences_disjoint_and_labels_what_is_spoken(
    tmp_path: Path,
) -> None:
    spec = NossSpec(num_train=60, num_dev=20, num_test=30)
    plan = plan_noss(spec, tmp_path, load_fortune_sentences())
    for task in TASKS:
        texts = {split: {u.text for u, _ in plan[(task, split)]} for split in SPLITS}
        if task != "language":  # language utterances are random numbers, not sentences
            assert (
                not texts["train"] & texts["test"] and not texts["train"] & texts["dev"]
            )
        assert [len(plan[(task, s)]) for s in SPLITS] == [60, 20, 30]
    for utt, label in plan[("accent", "train")]:
        assert utt.voice.split("+")[0] == label
    for utt, label in plan[("language", "test")]:
        assert (
            label in LANGUAGES
            and utt.voice.startswith(label + "+")
            and utt.text.replace(" ", "").isdigit()
        )
    for utt, label in plan[("synthesizer", "dev")]:
        assert utt.engine == label
    for utt, label in plan[("speaking_rate", "train")]:
        assert utt.rate == int(label)
    assert len({label for _, label in plan[("speaker", "train")]}) >= 10


def test_build_writes_every_split_with_audio_and_labels(tmp_path: Path) -> None:
    counts = build_mini_noss(
        tmp_path / "audio",
        tmp_path / "data",
        NossSpec(num_train=3, num_dev=2, num_test=2),
        nj=2,
    )
    assert counts == {task: 7 for task in TASKS}
    for task in TASKS:
        info = json.loads((tmp_path / "data" / task / "task.json").read_text())
        assert info["kind"] == (
            "regression" if task == "speaking_rate" else "classification"
        )
        for split, size in (("train", 3), ("dev", 2), ("test", 2)):
            wavs = read_kv(tmp_path / "data" / task / split / "wav.scp")
            labels = read_kv(tmp_path / "data" / task / split / "utt2label")
            assert len(wavs) == size and set(wavs) == set(labels)
            for path in wavs.values():
                info_audio = soundfile.info(path)
                assert info_audio.samplerate == 16000 and info_audio.duration > 0.3
