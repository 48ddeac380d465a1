"""Data-dir validation: every bad-input case gives an error naming the utterance and problem."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import soundfile

from bigssl.data.validate import ValidationError, validate_and_copy
from bigssl.io_utils import read_kv


@pytest.fixture
def data_dir(tiny_corpus: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny corpus's test set (wav paths still point at shared audio)."""
    target = tmp_path / "test"
    shutil.copytree(tiny_corpus / "data" / "test", target)
    return target


def _first_utt(directory: Path) -> str:
    return next(iter(read_kv(directory / "wav.scp")))


def _rewrite(path: Path, edit: Callable[[list], list]) -> None:
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n")


def _point_first_wav_to(directory: Path, new_path: Path) -> str:
    utt = _first_utt(directory)
    _rewrite(directory / "wav.scp", lambda ls: [f"{utt} {new_path}"] + ls[1:])
    return utt


def test_clean_dir_passes_and_is_copied(data_dir: Path, tmp_path: Path) -> None:
    report = validate_and_copy(data_dir, tmp_path / "out")
    assert report.num_utts == 6 and not report.utt_problems
    assert read_kv(tmp_path / "out" / "text") == read_kv(data_dir / "text")


def test_wrong_sample_rate(data_dir: Path, tmp_path: Path) -> None:
    wav = tmp_path / "8k.wav"
    soundfile.write(wav, np.zeros(8000, dtype="float32"), 8000)
    utt = _point_first_wav_to(data_dir, wav)
    with pytest.raises(
        ValidationError, match=rf"'{utt}'.*sample rate 8000, expected 16000"
    ):
        validate_and_copy(data_dir, tmp_path / "out")


def test_stereo_audio(data_dir: Path, tmp_path: Path) -> None:
    wav = tmp_path / "stereo.wav"
    soundfile.write(wav, np.zeros((16000, 2), dtype="float32"), 16000)
    utt = _point_first_wav_to(data_dir, wav)
    with pytest.raises(ValidationError, match=rf"'{utt}'.*2 channels, expected 1"):
        validate_and_copy(data_dir, tmp_path / "out")


@pytest.mark.parametrize("content", [None, b"this is not audio"])
def test_unreadable_or_missing_audio(
    data_dir: Path, tmp_path: Path, content: bytes
) -> None:
    wav = tmp_path / "broken.wav"
    if content is not None:
        wav.write_bytes(content)
    utt = _point_first_wav_to(data_dir, wav)
    with pytest.raises(ValidationError, match=rf"'{utt}'.*not readable"):
        validate_and_copy(data_dir, tmp_path / "out")


def test_empty_transcript(data_dir: Path, tmp_path: Path) -> None:
    utt = _first_utt(data_dir)
    _rewrite(data_dir / "text", lambda ls: [utt] + ls[1:])
    with pytest.raises(ValidationError, match=rf"'{utt}': empty transcript"):
        validate_and_copy(data_dir, tmp_path / "out")


@pytest.mark.parametrize(
    "name, problem", [("text", "no transcript"), ("utt2spk", "no speaker")]
)
def test_utterance_missing_from_a_file(
    data_dir: Path, tmp_path: Path, name: str, problem: str
) -> None:
    utt = _first_utt(data_dir)
    _rewrite(data_dir / name, lambda ls: ls[1:])
    with pytest.raises(ValidationError, match=rf"'{utt}': {problem}"):
        validate_and_copy(data_dir, tmp_path / "out")


def test_duplicate_id(data_dir: Path, tmp_path: Path) -> None:
    utt = _first_utt(data_dir)
    _rewrite(data_dir / "text", lambda ls: ls[:1] + ls)
    with pytest.raises(
        ValidationError, match=rf"text:2: utterance '{utt}': duplicate id"
    ):
        validate_and_copy(data_dir, tmp_path / "out")


def test_unsorted_file(data_dir: Path, tmp_path: Path) -> None:
    _rewrite(data_dir / "wav.scp", lambda ls: ls[::-1])
    with pytest.raises(ValidationError, match=r"wav.scp:2: .* out of order"):
        validate_and_copy(data_dir, tmp_path / "out", drop_bad=True)


def test_spk2utt_inconsistent_with_utt2spk(data_dir: Path, tmp_path: Path) -> None:
    utt = _first_utt(data_dir)
    _rewrite(data_dir / "utt2spk", lambda ls: [f"{utt} someone_else"] + ls[1:])
    with pytest.raises(
        ValidationError,
        match=rf"spk2utt: speaker .* disagrees with utt2spk for utterance\(s\) {utt}",
    ):
        validate_and_copy(data_dir, tmp_path / "out", drop_bad=True)


def test_drop_bad_drops_counts_and_lists(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wav = tmp_path / "8k.wav"
    soundfile.write(wav, np.zeros(8000, dtype="float32"), 8000)
    bad = _point_first_wav_to(data_dir, wav)
    report = validate_and_copy(data_dir, tmp_path / "out", drop_bad=True)
    assert report.bad_utts == [bad]
    kept = read_kv(tmp_path / "out" / "wav.scp")
    assert bad not in kept and len(kept) == 5
    assert bad not in read_kv(tmp_path / "out" / "text")
    assert bad in read_kv(tmp_path / "out" / "dropped_utts")
    assert bad not in (tmp_path / "out" / "spk2utt").read_text()
    assert "dropped 1 of 6 utterances" in caplog.text


def test_cli_exit_code_and_message(data_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    utt = _first_utt(data_dir)
    _rewrite(data_dir / "text", lambda ls: [utt] + ls[1:])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bigssl.bin.validate_data_dir",
            "--src",
            str(data_dir),
            "--dst",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f"'{utt}': empty transcript" in result.stderr
    assert "--drop_bad true" in result.stderr


@pytest.mark.parametrize("drop_bad", [False, True])
def test_cut_off_wav_is_caught_in_both_modes(
    data_dir: Path, tmp_path: Path, drop_bad: bool
) -> None:
    """libsndfile shortens a cut-off WAV quietly; its transcript would no longer match."""
    utt = _first_utt(data_dir)
    source = Path(read_kv(data_dir / "wav.scp")[utt])
    cut = tmp_path / "cut.wav"
    cut.write_bytes(source.read_bytes()[: source.stat().st_size // 3])
    assert soundfile.info(cut).frames > 0  # still readable: only the header tells
    _point_first_wav_to(data_dir, cut)
    if not drop_bad:
        with pytest.raises(
            ValidationError, match=rf"'{utt}'.*truncated: its header declares"
        ):
            validate_and_copy(data_dir, tmp_path / "out")
    else:
        report = validate_and_copy(data_dir, tmp_path / "out", drop_bad=True)
        assert report.bad_utts == [utt]
        assert utt not in read_kv(tmp_path / "out" / "text")


def test_non_utf8_text_is_named_and_droppable(data_dir: Path, tmp_path: Path) -> None:
    utt = _first_utt(data_dir)
    lines = (data_dir / "text").read_bytes().split(b"\n")
    lines[0] = utt.encode() + b" CAF\xe9 AU LAIT"  # Latin-1, not UTF-8
    (data_dir / "text").write_bytes(b"\n".join(lines))
    with pytest.raises(
        ValidationError, match=r"text:1: utterance '.*': not valid UTF-8"
    ):
        validate_and_copy(data_dir, tmp_path / "out")
    report = validate_and_copy(data_dir, tmp_path / "out", drop_bad=True)
    assert report.bad_utts == [utt]
    assert utt not in read_kv(tmp_path / "out" / "text")
