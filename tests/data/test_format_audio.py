"""Audio dumping before validation (ESPnet asr.sh's format stage): commands, segments, rates,
channels and codecs in; one mono file per utterance at the recipe's rate out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import pytest
import soundfile

from bigssl.data.format_audio import format_data_dir, why_format
from bigssl.io_utils import read_kv

RATE = 16000


def tone(seconds: float, rate: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_dir(
    directory: Path,
    wav_scp: Dict[str, str],
    segments: Optional[Dict[str, str]] = None,
    text: Optional[Dict[str, str]] = None,
) -> Path:
    """A Kaldi data dir; utterances are the segments' keys when ``segments`` is given."""
    directory.mkdir(parents=True, exist_ok=True)
    utts = sorted(segments or wav_scp)
    (directory / "wav.scp").write_text(
        "".join(f"{k} {v}\n" for k, v in sorted(wav_scp.items()))
    )
    if segments:
        (directory / "segments").write_text(
            "".join(f"{k} {segments[k]}\n" for k in utts)
        )
    text = text or {u: "HELLO WORLD" for u in utts}
    (directory / "text").write_text("".join(f"{u} {text[u]}\n" for u in utts))
    (directory / "utt2spk").write_text("".join(f"{u} spk1\n" for u in utts))
    (directory / "spk2utt").write_text("spk1 " + " ".join(utts) + "\n")
    return directory


def validate_cli(src: Path, dst: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bigssl.bin.validate_data_dir",
            "--src",
            str(src),
            "--dst",
            str(dst),
            *extra,
        ],
        capture_output=True,
        text=True,
    )


def dumped(dst: Path) -> Dict[str, np.ndarray]:
    """utterance -> samples of the validated copy; every file must be mono 16 kHz."""
    out = {}
    for utt, path in read_kv(dst / "wav.scp").items():
        audio, rate = soundfile.read(path, dtype="float32")
        assert rate == RATE and audio.ndim == 1, (utt, rate, audio.shape)
        out[utt] = audio
    return out


def test_a_plain_dir_is_not_dumped(tmp_path: Path) -> None:
    soundfile.write(tmp_path / "a.wav", tone(0.5, RATE), RATE)
    soundfile.write(tmp_path / "b.flac", tone(0.5, RATE), RATE)
    src = write_dir(
        tmp_path / "src", {"a": str(tmp_path / "a.wav"), "b": str(tmp_path / "b.flac")}
    )
    assert why_format(src, RATE) is None
    result = validate_cli(src, tmp_path / "dump/raw/src")
    assert result.returncode == 0, result.stderr
    assert read_kv(tmp_path / "dump/raw/src/wav.scp") == read_kv(src / "wav.scp")
    assert not (tmp_path / "dump/raw/org").exists()


def test_other_rates_channels_codecs_and_commands_are_dumped_mono_at_the_recipe_rate(
    tmp_path: Path,
) -> None:
    soundfile.write(tmp_path / "tel.wav", tone(1.0, 8000), 8000)  # telephone speech
    stereo = np.stack([tone(0.6, RATE), np.zeros(int(0.6 * RATE), np.float32)], axis=1)
    soundfile.write(
        tmp_path / "worn.wav", stereo, RATE
    )  # e.g. a CHiME-6 binaural worn mic
    soundfile.write(
        tmp_path / "cv.mp3", tone(0.8, 48000), 48000, format="MP3"
    )  # Common Voice
    soundfile.write(tmp_path / "ls.flac", tone(0.7, RATE), RATE)
    src = write_dir(
        tmp_path / "src",
        {
            "cv": str(tmp_path / "cv.mp3"),
            "ls": f"sox {tmp_path / 'ls.flac'} -t wav - |",  # a Kaldi-style command
            "tel": str(tmp_path / "tel.wav"),
            "worn": str(tmp_path / "worn.wav"),
        },
    )
    assert why_format(src, RATE) is not None
    dst = tmp_path / "dump/raw/src"
    result = validate_cli(src, dst, "--audio_channel", "1")
    assert result.returncode == 0, result.stderr
    audio = dumped(dst)
    assert sorted(audio) == ["cv", "ls", "tel", "worn"]
    assert len(audio["tel"]) == RATE  # 1 s at 8 kHz -> 16000 samples
    assert (
        abs(len(audio["cv"]) - int(0.8 * RATE)) < 0.05 * RATE
    )  # MP3 adds codec padding
    ls, _ = soundfile.read(tmp_path / "ls.flac", dtype="float32")
    np.testing.assert_allclose(
        audio["ls"], ls, atol=1 / 32768
    )  # through the command, unchanged
    assert np.abs(audio["worn"]).max() == 0.0  # channel 1 (the silent one) was kept
    assert np.abs(audio["tel"]).max() > 0.25  # the resampled tone keeps its level
    assert (tmp_path / "dump/raw/org/src/data/tel.flac").is_file()
    assert read_kv(dst / "text") == read_kv(src / "text")


def test_segments_cut_each_recording_once(tmp_path: Path) -> None:
    session = np.concatenate(
        [tone(1.0, RATE, 300), tone(1.0, RATE, 600), tone(1.0, RATE, 900)]
    )
    soundfile.write(tmp_path / "S01.wav", session, RATE)
    src = write_dir(
        tmp_path / "src",
        {"S01": str(tmp_path / "S01.wav")},
        segments={
            "S01-a": "S01 0.00 1.00",
            "S01-b": "S01 1.00 2.50",
            "S01-c": "S01 2.50 3.00",
        },
    )
    dst = tmp_path / "dump/raw/src"
    result = validate_cli(src, dst, "--audio_format", "wav")
    assert result.returncode == 0, result.stderr
    audio = dumped(dst)
    assert {u: len(a) for u, a in audio.items()} == {
        "S01-a": 16000,
        "S01-b": 24000,
        "S01-c": 8000,
    }
    np.testing.assert_allclose(audio["S01-b"], session[16000:40000], atol=1 / 32768)
    assert read_kv(dst / "wav.scp")["S01-a"].endswith("org/src/data/S01-a.wav")


def test_failures_name_the_utterance_or_are_dropped_and_listed(tmp_path: Path) -> None:
    soundfile.write(tmp_path / "S01.wav", tone(2.0, RATE), RATE)
    src = write_dir(
        tmp_path / "src",
        {"S01": str(tmp_path / "S01.wav"), "S02": "sox /no/such/file.flac -t wav - |"},
        segments={
            "S01-a": "S01 0.0 1.0",
            "S01-late": "S01 1.5 4.0",
            "S02-a": "S02 0.0 1.0",
        },
    )
    result = validate_cli(src, tmp_path / "dump/raw/src")
    assert result.returncode == 1
    assert (
        "utterance 'S01-late'" in result.stderr
        and "outside the recording (2.00 s)" in result.stderr
    )
    assert (
        "utterance 'S02-a'" in result.stderr
        and "command exited with status" in result.stderr
    )
    assert "Traceback" not in result.stderr

    result = validate_cli(src, tmp_path / "dump/raw/src", "--drop_bad", "true")
    assert result.returncode == 0, result.stderr
    assert sorted(dumped(tmp_path / "dump/raw/src")) == ["S01-a"]
    dropped = (tmp_path / "dump/raw/src/dropped_utts").read_text()
    assert "S01-late" in dropped and "S02-a" in dropped
    assert "dropped 2 of 3 utterances" in result.stderr


def test_missing_channel_and_unknown_recording(tmp_path: Path) -> None:
    soundfile.write(tmp_path / "a.wav", np.stack([tone(0.5, 8000)] * 2, axis=1), 8000)
    src = write_dir(tmp_path / "src", {"a": str(tmp_path / "a.wav")})
    result = validate_cli(src, tmp_path / "dst", "--audio_channel", "2")
    assert result.returncode == 1 and "utterance 'a'" in result.stderr
    assert "has 2 channel(s); --audio_channel 2 does not exist" in result.stderr

    other = write_dir(
        tmp_path / "other", {"a": str(tmp_path / "a.wav")}, segments={"x-1": "nope 0 1"}
    )
    result = validate_cli(other, tmp_path / "dst2")
    assert (
        result.returncode == 1 and "recording(s) not in wav.scp: nope" in result.stderr
    )


def test_a_rerun_keeps_what_a_killed_run_wrote(tmp_path: Path) -> None:
    soundfile.write(tmp_path / "S01.wav", tone(3.0, 8000), 8000)
    src = write_dir(
        tmp_path / "src",
        {"S01": str(tmp_path / "S01.wav")},
        segments={f"S01-{i}": f"S01 {i}.0 {i + 1}.0" for i in range(3)},
    )
    out = tmp_path / "org"
    first = format_data_dir(src, out)
    assert (first.written, first.reused) == (3, 0)
    reference = {u: soundfile.read(p)[0] for u, p in read_kv(out / "wav.scp").items()}
    (out / "data/S01-1.flac").unlink()  # as if the run had been killed before this file
    (out / "wav.scp").unlink()
    second = format_data_dir(src, out)
    assert (second.written, second.reused) == (1, 2)
    for utt, path in read_kv(out / "wav.scp").items():
        np.testing.assert_array_equal(soundfile.read(path)[0], reference[utt])
    assert not list(out.glob("data/.*tmp"))


@pytest.mark.parametrize(
    "line, message",
    [
        ("u1 rec 0.5", "expected 'utterance recording start end'"),
        ("u1 rec 2.0 1.0", "is empty or negative"),
        ("u1 rec a b", "are not numbers"),
    ],
)
def test_malformed_segments_lines_are_named(
    tmp_path: Path, line: str, message: str
) -> None:
    soundfile.write(tmp_path / "a.wav", tone(3.0, RATE), RATE)
    src = write_dir(
        tmp_path / "src", {"rec": str(tmp_path / "a.wav")}, segments={"u1": "rec 0 1"}
    )
    (src / "segments").write_text(line + "\n")
    result = validate_cli(src, tmp_path / "dst")
    assert result.returncode == 1
    assert f"{src / 'segments'}:1" in result.stderr and message in result.stderr
