"""Mini corpus synthesis: determinism, disjoint splits, unlabeled transcripts kept aside."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import soundfile

from bigssl.data.kaldi_dir import load_data_dir
from bigssl.data.mini.sentences import normalize_transcript
from bigssl.data.mini.synth import CorpusSpec, build_mini_corpus
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
