"""Subsetting and combining data dirs (labeled-size experiments, pretraining audio)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigssl.bin import subset_data_dir
from bigssl.data.fractions import split_labeled_pool
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


def test_a_subset_can_leave_out_an_earlier_slice(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    """NST generations on disjoint slices: the second draws only from what the first left."""
    src = tiny_corpus / "data" / "train_labeled"
    first, second = tmp_path / "slice1", tmp_path / "slice2"
    subset_data_dir.main(["--src", str(src), "--dst", str(first), "--num", "5"])
    argv = [
        "--src",
        str(src),
        "--dst",
        str(second),
        "--num",
        "7",
        "--exclude",
        str(first),
    ]
    subset_data_dir.main(argv)
    a, b = load_data_dir(first), load_data_dir(second)
    assert len(b.wav_scp) == 7 and not set(a.wav_scp) & set(b.wav_scp)
    assert set(a.wav_scp) | set(b.wav_scp) == set(load_data_dir(src).wav_scp)
    too_many = ["--src", str(src), "--dst", str(tmp_path / "x"), "--num", "8"]
    with pytest.raises(SystemExit, match=r"7 utterances to draw from \(5 left out"):
        subset_data_dir.main(too_many + ["--exclude", str(first)])


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


def test_pool_split_is_nested_disjoint_and_keeps_unlabeled_text_aside(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    data = tiny_corpus / "data"
    reference = data / "local" / "unlabeled_reference" / "text"
    splits = {}
    for pct in (25, 50):
        out = tmp_path / f"p{pct}"
        counts = split_labeled_pool(
            data / "train_labeled", data / "train_unlabeled", reference, pct / 100,
            out / "labeled", out / "unlabeled", out / "reference" / "text", seed=5,
        )  # fmt: skip
        assert counts == {
            "labeled": round(pct / 100 * 28),
            "unlabeled": 28 - round(pct / 100 * 28),
        }
        labeled, unlabeled = load_data_dir(out / "labeled"), load_data_dir(
            out / "unlabeled"
        )
        assert not (out / "unlabeled" / "text").exists() and not unlabeled.text
        assert not set(labeled.wav_scp) & set(unlabeled.wav_scp)
        held_out = (out / "reference" / "text").read_text().split("\n")
        assert {line.split()[0] for line in held_out if line} == set(unlabeled.wav_scp)
        splits[pct] = set(labeled.wav_scp)
    assert splits[25] < splits[50]
    with pytest.raises(ValueError, match="fraction"):
        split_labeled_pool(data / "train_labeled", data / "train_unlabeled", reference, 0.0,
                           tmp_path / "a", tmp_path / "b", tmp_path / "c")  # fmt: skip
