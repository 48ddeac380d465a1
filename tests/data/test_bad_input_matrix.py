"""The bad-input matrix, through the real entry point (python -m bigssl.bin.validate_data_dir).

Each input a corpus could contain gives, by default, exit status 1 with the file, the utterance and
what is wrong (no traceback); with ``--drop_bad true`` a logged, counted skip listed in
``dropped_utts`` (per-utterance problems), or still the named error (structural problems).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, Tuple

import numpy as np
import pytest
import soundfile

from bigssl.io_utils import read_kv


def _wav(path: Path, seconds: float, rate: int = 16000, channels: int = 1) -> Path:
    frames = int(seconds * rate)
    shape = (frames, channels) if channels > 1 else (frames,)
    soundfile.write(path, np.full(shape, 0.01, dtype="float32"), rate, subtype="PCM_16")
    return path


def _first(directory: Path) -> Tuple[str, str]:
    utt, path = next(iter(read_kv(directory / "wav.scp").items()))
    return utt, path


def _set_wav(directory: Path, new_path: str) -> str:
    utt, _ = _first(directory)
    lines = (directory / "wav.scp").read_text().splitlines()
    lines[0] = f"{utt} {new_path}"
    (directory / "wav.scp").write_text("\n".join(lines) + "\n")
    return utt


def _set_text(directory: Path, line: bytes) -> str:
    utt, _ = _first(directory)
    lines = (directory / "text").read_bytes().splitlines()
    lines[0] = utt.encode() + line
    (directory / "text").write_bytes(b"\n".join(lines) + b"\n")
    return utt


def _corrupt(d: Path, tmp: Path) -> str:
    (tmp / "noise.wav").write_bytes(np.random.default_rng(0).bytes(4000))
    return _set_wav(d, str(tmp / "noise.wav"))


def _truncated(d: Path, tmp: Path) -> str:
    source = Path(_first(d)[1]).read_bytes()
    (tmp / "cut.wav").write_bytes(source[: len(source) // 3])
    return _set_wav(d, str(tmp / "cut.wav"))


def _empty_audio(d: Path, tmp: Path) -> str:
    return _set_wav(d, str(_wav(tmp / "empty.wav", 0.0)))


def _zero_bytes(d: Path, tmp: Path) -> str:
    (tmp / "zero.wav").write_bytes(b"")
    return _set_wav(d, str(tmp / "zero.wav"))


def _missing_file(d: Path, tmp: Path) -> str:
    return _set_wav(d, str(tmp / "nowhere.wav"))


def _unsupported_codec(d: Path, tmp: Path) -> str:
    data = bytearray(_wav(tmp / "codec.wav", 1.0).read_bytes())
    data[20:22] = (0x0055).to_bytes(2, "little")  # fmt chunk's format tag: MPEG layer 3
    (tmp / "codec.wav").write_bytes(bytes(data))
    return _set_wav(d, str(tmp / "codec.wav"))


def _failing_command(d: Path, tmp: Path) -> str:
    return _set_wav(d, "sox /no/such/in.flac -t wav - |")


def _segment_outside_recording(d: Path, tmp: Path) -> str:
    """A segments file (each utterance one whole recording) whose first segment runs past the end."""
    utts = list(read_kv(d / "wav.scp"))
    lines = [f"{u} {u} 0.0 {'100.0' if i == 0 else '-1'}" for i, u in enumerate(utts)]
    (d / "segments").write_text("\n".join(lines) + "\n")
    return utts[0]


def _too_short(d: Path, tmp: Path) -> str:
    return _set_wav(d, str(_wav(tmp / "short.wav", 0.05)))


def _too_long(d: Path, tmp: Path) -> str:
    return _set_wav(d, str(_wav(tmp / "long.wav", 61.0)))


def _no_path(d: Path, tmp: Path) -> str:
    utt, _ = _first(d)
    lines = (d / "wav.scp").read_text().splitlines()
    lines[0] = utt
    (d / "wav.scp").write_text("\n".join(lines) + "\n")
    return utt


def _latin1_text(d: Path, tmp: Path) -> str:
    return _set_text(d, " caf\xe9 au lait".encode("latin-1"))


def _empty_text(d: Path, tmp: Path) -> str:
    return _set_text(d, b"   ")


def _punctuation_text(d: Path, tmp: Path) -> str:
    return _set_text(d, b" ... -- !")


def _no_transcript(d: Path, tmp: Path) -> str:
    utt, _ = _first(d)
    lines = (d / "text").read_text().splitlines()
    (d / "text").write_text("\n".join(lines[1:]) + "\n")
    return utt


def _no_speaker(d: Path, tmp: Path) -> str:
    utt, _ = _first(d)
    lines = (d / "utt2spk").read_text().splitlines()
    (d / "utt2spk").write_text("\n".join(lines[1:]) + "\n")
    spk2utt = [
        " ".join(w for w in line.split() if w != utt)
        for line in (d / "spk2utt").read_text().splitlines()
    ]
    (d / "spk2utt").write_text(
        "\n".join(line for line in spk2utt if len(line.split()) > 1) + "\n"
    )
    return utt


def _duplicate_id(d: Path, tmp: Path) -> str:
    lines = (d / "text").read_text().splitlines()
    (d / "text").write_text("\n".join([lines[0]] + lines) + "\n")
    return lines[0].split()[0]


def _unsorted(d: Path, tmp: Path) -> str:
    lines = (d / "text").read_text().splitlines()
    lines[0], lines[1] = lines[1], lines[0]
    (d / "text").write_text("\n".join(lines) + "\n")
    return lines[1].split()[0]


# case: (make it, words of the message, dropped with --drop_bad true)
CASES: Dict[str, Tuple[Callable[[Path, Path], str], str, bool]] = {
    "corrupt audio": (_corrupt, "is not readable", True),
    "truncated audio": (_truncated, "is truncated", True),
    "empty audio": (_empty_audio, "is empty", True),
    "zero-byte file": (_zero_bytes, "is not readable", True),
    "missing audio file": (_missing_file, "is not readable", True),
    "unsupported codec": (_unsupported_codec, "is not readable", True),
    "failing wav.scp command": (_failing_command, "command exited with status", True),
    "segment outside its recording": (
        _segment_outside_recording,
        "outside the recording",
        True,
    ),
    "absurdly short": (_too_short, "below --min_wav_duration", True),
    "absurdly long": (_too_long, "above --max_wav_duration", True),
    "wav.scp line without a path": (_no_path, "wav.scp", True),
    "text not UTF-8": (_latin1_text, "UTF-8", True),
    "empty transcript": (_empty_text, "empty transcript", True),
    "transcript without words": (_punctuation_text, "no letter or digit", True),
    "no transcript": (_no_transcript, "no transcript", True),
    "no speaker": (_no_speaker, "no speaker", True),
    "duplicate id": (_duplicate_id, "duplicate id", True),
    "unsorted file": (_unsorted, "out of order", False),
}


def _validate(src: Path, dst: Path, drop_bad: bool) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bigssl.bin.validate_data_dir",
            "--src",
            str(src),
            "--dst",
            str(dst),
            "--drop_bad",
            str(drop_bad).lower(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_named_or_dropped_and_counted(
    case: str, tiny_corpus: Path, tmp_path: Path
) -> None:
    make, words, droppable = CASES[case]
    src = tmp_path / "test"
    shutil.copytree(tiny_corpus / "data" / "test", src)
    total = len(read_kv(src / "wav.scp"))
    utt = make(src, tmp_path)

    strict = _validate(src, tmp_path / "strict", drop_bad=False)
    assert strict.returncode == 1, strict.stderr[-2000:]
    assert "Traceback" not in strict.stderr
    assert words in strict.stderr and utt in strict.stderr and str(src) in strict.stderr
    assert not (tmp_path / "strict" / "wav.scp").exists()

    lenient = _validate(src, tmp_path / "lenient", drop_bad=True)
    assert "Traceback" not in lenient.stderr
    if not droppable:
        assert lenient.returncode == 1 and words in lenient.stderr
        return
    assert lenient.returncode == 0, lenient.stderr[-2000:]
    kept = read_kv(tmp_path / "lenient" / "wav.scp")
    dropped = (tmp_path / "lenient" / "dropped_utts").read_text().splitlines()
    assert utt not in kept and {line.split()[0] for line in dropped} == {utt}
    if case != "duplicate id":
        assert len(kept) == total - 1
    assert "dropped 1 of" in lenient.stderr


def test_tab_separated_kaldi_files_are_read_as_kaldi_reads_them(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    """Issue 23: a tab after the id (ESPnet's reader accepts it) gave "no transcript", a phantom id
    and a drop count that disagreed with what was kept."""
    spaced, tabbed = tmp_path / "spaced", tmp_path / "tabbed"
    shutil.copytree(tiny_corpus / "data" / "test", spaced)
    shutil.copytree(tiny_corpus / "data" / "test", tabbed)
    for name in ("text", "utt2spk", "spk2utt", "wav.scp"):
        lines = (spaced / name).read_text().splitlines()
        tabs = [line.replace(" ", "\t", 1) for line in lines]  # the id, a tab, the rest
        (tabbed / name).write_text("\n".join(tabs) + "\n")
    want = _validate(spaced, tmp_path / "want", drop_bad=False)
    got = _validate(tabbed, tmp_path / "got", drop_bad=False)
    assert want.returncode == 0 and got.returncode == 0, got.stderr[-2000:]
    for name in ("text", "utt2spk", "wav.scp"):
        assert read_kv(tmp_path / "got" / name) == read_kv(
            tmp_path / "want" / name
        ), name
    assert not (tmp_path / "got" / "dropped_utts").read_text().strip()
