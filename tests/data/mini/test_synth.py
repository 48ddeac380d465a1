"""Mini corpus synthesis: determinism, disjoint splits, unlabeled transcripts kept aside,
LM text without held-out sentences, optional flite splits that leave the others unchanged."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Dict, List, Set

import pytest
import soundfile

from bigssl.data.kaldi_dir import load_data_dir
from bigssl.data.mini.sentences import normalize_transcript
from bigssl.data.mini.synth import (
    SPLITS,
    CorpusSpec,
    build_mini_corpus,
    check_flite_voices,
)
from bigssl.io_utils import read_kv
from tests.conftest import TINY_SPEC


def _digest(root: Path) -> dict:
    return {
        str(p.relative_to(root)): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_splits_have_requested_sizes_and_valid_audio(tiny_corpus: Path) -> None:
    for split, size in [
        ("train_labeled", 12),
        ("train_unlabeled", 16),
        ("dev", 4),
        ("test", 6),
    ]:
        data = load_data_dir(tiny_corpus / "data" / split)
        assert len(data.wav_scp) == size
        for path in data.wav_scp.values():
            info = soundfile.info(path)
            assert (info.samplerate, info.channels) == (16000, 1)
            assert 0.3 < info.duration < 15.0


def test_same_seed_gives_identical_corpus(tiny_corpus: Path, tmp_path: Path) -> None:
    build_mini_corpus(tmp_path / "audio", tmp_path / "data", TINY_SPEC, nj=1)
    original = _digest(tiny_corpus / "audio")
    again = _digest(tmp_path / "audio")
    assert original == again
    for split in ("train_labeled", "test"):
        assert read_kv(tiny_corpus / "data" / split / "text") == read_kv(
            tmp_path / "data" / split / "text"
        )
    lm_text = "data/local/lm_train.txt"
    assert (tiny_corpus / lm_text).read_text() == (tmp_path / lm_text).read_text()


def test_other_seed_gives_other_corpus(tiny_corpus: Path, tmp_path: Path) -> None:
    spec = CorpusSpec(num_labeled=12, num_unlabeled=16, num_dev=4, num_test=6, seed=8)
    build_mini_corpus(tmp_path / "audio", tmp_path / "data", spec, nj=2)
    assert read_kv(tmp_path / "data" / "test" / "text") != read_kv(
        tiny_corpus / "data" / "test" / "text"
    )


def test_sentences_and_speakers_are_disjoint(tiny_corpus: Path) -> None:
    data = {
        s: load_data_dir(tiny_corpus / "data" / s)
        for s in ("train_labeled", "train_unlabeled", "dev", "test")
    }
    unlabeled_text = read_kv(
        tiny_corpus / "data" / "local" / "unlabeled_reference" / "text"
    )
    texts = {s: set(d.text.values()) for s, d in data.items()}
    texts["train_unlabeled"] = set(unlabeled_text.values())
    names = list(texts)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not texts[a] & texts[b], f"{a} and {b} share sentences"
    train_speakers = set(data["train_labeled"].utt2spk.values()) | set(
        data["train_unlabeled"].utt2spk.values()
    )
    for held_out in ("dev", "test"):
        assert not train_speakers & set(data[held_out].utt2spk.values())
    variants = lambda split: {
        spk.split("_", 1)[1] for spk in data[split].utt2spk.values()
    }  # noqa: E731
    assert not (variants("train_labeled") | variants("train_unlabeled")) & variants(
        "test"
    )


def test_unlabeled_transcripts_are_not_in_the_training_dir(tiny_corpus: Path) -> None:
    unlabeled = tiny_corpus / "data" / "train_unlabeled"
    assert not (unlabeled / "text").exists()
    reference = read_kv(tiny_corpus / "data" / "local" / "unlabeled_reference" / "text")
    assert set(reference) == set(read_kv(unlabeled / "wav.scp"))


def test_changed_options_on_existing_corpus_is_an_error(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    spec = CorpusSpec(num_labeled=13, num_unlabeled=16, num_dev=4, num_test=6, seed=7)
    with pytest.raises(ValueError, match="other options"):
        build_mini_corpus(tiny_corpus / "audio", tmp_path / "data", spec)


def test_normalize_transcript() -> None:
    assert (
        normalize_transcript("Don't panic -- it's only 'a test', Bob!")
        == "DON'T PANIC IT'S ONLY A TEST BOB"
    )


FLITE_SPEC = dataclasses.replace(TINY_SPEC, num_unlabeled_flite=4, num_test_flite=3)


@pytest.fixture(scope="module")
def flite_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny corpus plus a few flite utterances in both flite splits."""
    root = tmp_path_factory.mktemp("flite_corpus")
    build_mini_corpus(root / "audio", root / "data", FLITE_SPEC, nj=2)
    return root


def _split_texts(root: Path) -> Dict[str, Set[str]]:
    """Transcripts per split, the unlabeled ones read from their reference files."""
    local = root / "data" / "local"
    texts = {}
    for split in sorted(p.name for p in (root / "data").iterdir() if p.name != "local"):
        if (root / "data" / split / "text").is_file():
            texts[split] = set(read_kv(root / "data" / split / "text").values())
    texts["train_unlabeled"] = set(read_kv(local / "unlabeled_reference/text").values())
    flite_reference = local / "unlabeled_flite_reference" / "text"
    if flite_reference.is_file():
        texts["train_unlabeled_flite"] = set(read_kv(flite_reference).values())
    return texts


def _lm_lines(root: Path) -> List[str]:
    return (root / "data" / "local" / "lm_train.txt").read_text().splitlines()


def test_lm_text_has_labeled_but_no_held_out_sentences(tiny_corpus: Path) -> None:
    lines = _lm_lines(tiny_corpus)
    assert lines == sorted(set(lines)) and len(lines) > 100
    texts = _split_texts(tiny_corpus)
    assert texts["train_labeled"] <= set(lines)
    for split in ("dev", "test", "train_unlabeled"):
        assert not texts[split] & set(lines), f"{split} text leaks into the LM text"


def test_flite_splits_have_16k_mono_audio(flite_corpus: Path) -> None:
    voices = {}
    for split, size in [("train_unlabeled_flite", 4), ("test_flite", 3)]:
        data = load_data_dir(flite_corpus / "data" / split)
        assert len(data.wav_scp) == size
        for path in data.wav_scp.values():
            info = soundfile.info(path)
            assert (info.samplerate, info.channels, info.subtype) == (
                16000,
                1,
                "PCM_16",
            )
            assert 0.3 < info.duration < 15.0
        voices[split] = set(data.utt2spk.values())
        assert all(spk.startswith("flite_") for spk in voices[split])
    assert not voices["train_unlabeled_flite"] & voices["test_flite"]
    hours = json.loads((flite_corpus / "data/local/corpus_hours.json").read_text())
    assert set(hours) == set(SPLITS) | {"train_unlabeled_flite", "test_flite"}


def test_flite_sentences_are_disjoint_and_kept_out_of_lm_text(
    flite_corpus: Path,
) -> None:
    texts = _split_texts(flite_corpus)
    assert len(texts) == 6
    names = list(texts)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not texts[a] & texts[b], f"{a} and {b} share sentences"
    lm = set(_lm_lines(flite_corpus))
    assert not (texts["test_flite"] | texts["train_unlabeled_flite"]) & lm


def test_unlabeled_flite_transcripts_only_in_their_reference(
    flite_corpus: Path,
) -> None:
    data = flite_corpus / "data"
    assert not (data / "train_unlabeled_flite" / "text").exists()
    reference = read_kv(data / "local" / "unlabeled_flite_reference" / "text")
    assert set(reference) == set(read_kv(data / "train_unlabeled_flite" / "wav.scp"))
    hidden = set(reference.values())
    for text_file in data.glob("*/text"):
        assert not hidden & set(read_kv(text_file).values()), text_file


def test_flite_splits_leave_the_espeak_splits_unchanged(
    tiny_corpus: Path, flite_corpus: Path
) -> None:
    for split in SPLITS:
        assert _digest(tiny_corpus / "audio" / split) == _digest(
            flite_corpus / "audio" / split
        )
        for name in ("text", "utt2spk"):
            if (tiny_corpus / "data" / split / name).is_file():
                old = (tiny_corpus / "data" / split / name).read_text()
                assert old == (flite_corpus / "data" / split / name).read_text()
        old_scp = (tiny_corpus / "data" / split / "wav.scp").read_text()
        new_scp = (flite_corpus / "data" / split / "wav.scp").read_text()
        assert old_scp.replace(str(tiny_corpus), "") == new_scp.replace(
            str(flite_corpus), ""
        )
    reference = "data/local/unlabeled_reference/text"
    assert (tiny_corpus / reference).read_text() == (
        flite_corpus / reference
    ).read_text()


def test_flite_off_by_default_and_spec_json_as_before(tiny_corpus: Path) -> None:
    assert CorpusSpec().splits() == SPLITS
    assert "flite" not in CorpusSpec().to_json()
    assert (tiny_corpus / "audio" / "spec.json").read_text() == TINY_SPEC.to_json()
    assert not (tiny_corpus / "data" / "test_flite").exists()
    assert not (tiny_corpus / "audio" / "train_unlabeled_flite").exists()
    assert "flite" in FLITE_SPEC.to_json()


def test_missing_flite_voice_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="lacks voice"):
        check_flite_voices(["kal", "no_such_voice"])


def test_a_text_starting_with_a_dash_is_spoken_not_read_as_an_option() -> None:
    """Issue 23: espeak-ng got the text as an argument without ``--`` (``--help me`` is an option)."""
    from bigssl.data.mini.synth import Utterance, _speak

    utt = Utterance(
        utt_id="u1",
        speaker="s1",
        voice="en-us",
        rate=160,
        pitch=50,
        gain=0.5,
        snr_db=30.0,
        noise_seed=0,
        text="--help me",
        wav_path="unused.wav",
    )
    audio, rate = _speak(utt)
    assert rate > 0 and len(audio) / rate > 0.3  # speech, not espeak-ng's usage text
