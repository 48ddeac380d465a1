"""Subsetting and combining data dirs (labeled-size experiments, pretraining audio)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigssl.bin import subset_data_dir
from bigssl.data.kaldi_dir import combine_data_dirs, load_data_dir


def test_subset_is_seeded_and_consistent(tiny_corpus: Path, tmp_path: Path) -> None:
    src = tiny_corpus / "data" / "train_labeled"
    for name in ("a", "b"):
        subset_data_dir.main(
            [
                "--src",
                str(src),
                "--dst",
                str(tmp_path / name),
                "--num",
                "5",
                "--seed",
                "3",
            ]
        )
    a, b = load_data_dir(tmp_path / "a"), load_data_dir(tmp_path / "b")
    assert a.wav_scp == b.wav_scp and len(a.wav_scp) == 5
    assert set(a.text) == set(a.utt2spk) == set(a.wav_scp)
    subset_data_dir.main(
        ["--src", str(src), "--dst", str(tmp_path / "c"), "--num", "5", "--seed", "4"]
    )
    assert load_data_dir(tmp_path / "c").wav_scp != a.wav_scp
    with pytest.raises(SystemExit, match="cannot take 99"):
        subset_data_dir.main(
            ["--src", str(src), "--dst", str(tmp_path / "d"), "--num", "99"]
        )


def test_combine_drops_text_and_rejects_id_clashes(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    labeled, unlabeled = (
        tiny_corpus / "data" / "train_labeled",
        tiny_corpus / "data" / "train_unlabeled",
    )
    combined = combine_data_dirs([unlabeled, labeled], tmp_path / "ssl")
    assert len(combined.wav_scp) == 12 + 16
    assert not (tmp_path / "ssl" / "text").exists()
    assert load_data_dir(tmp_path / "ssl").spk2utt() == combined.spk2utt()
    with pytest.raises(ValueError, match="also in another input"):
        combine_data_dirs([labeled, labeled], tmp_path / "clash")
