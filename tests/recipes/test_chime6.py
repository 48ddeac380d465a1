"""The CHiME-6 recipe's data preparation on a tiny corpus in the real release layout.

egs/chime6/asr1/local/data.sh runs in a fresh recipe made by TEMPLATE's setup.sh; its data dirs must
hold exactly the fixture's utterances, speakers and audio duration (tests/recipes/chime6_fixture.py).
Plus: the challenge's text normalization on real-looking lines, speed perturbation (run through
sox), every corpus error naming what is missing and where CHiME-6 is obtained, the download script's
option checks.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import soundfile

from bigssl.data.corpora.chime6 import (
    Chime6Options,
    normalize_transcript,
    parse_time,
    prepare_chime6,
)
from bigssl.data.corpora.common import CorpusError
from bigssl.io_utils import read_kv
from tests.conftest import REPO, run_command
from tests.integration.recipe_helpers import ENV, STAGE_10, TINY_CTC
from tests.integration.recipe_helpers import make_recipe as make_recipe_from
from tests.integration.recipe_helpers import run_stages
from tests.recipes.chime6_fixture import (
    SESSIONS,
    build_chime6_corpus,
    expected_seconds,
    expected_speakers,
    kept,
)

RECIPE = REPO / "egs/chime6/asr1"
WHERE_TO_GET = ("openslr.org/150", "licensing.sheffield.ac.uk/product/chime5")


def make_chime6_recipe(target: Path) -> Path:
    """A new recipe made by TEMPLATE's setup.sh, with egs/chime6/asr1's run.sh, local/ and conf/."""
    return make_recipe_from(target, RECIPE)


def run(cmd: List[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return run_command(cmd, cwd=cwd, timeout=300, env={**ENV, **env})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_chime6_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def recipe(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """The recipe after ``local/data.sh --chime6_root CORPUS --speed_perturb "0.9 1.0 1.1"``."""
    target = make_chime6_recipe(tmp_path_factory.mktemp("recipes") / "chime6" / "asr1")
    result = run(
        [
            "local/data.sh",
            "--chime6_root",
            str(corpus),
            "--speed_perturb",
            "0.9 1.0 1.1",
        ],
        target,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return target


def load(data: Path) -> Dict[str, Dict[str, str]]:
    return {
        name: read_kv(data / name)
        for name in ("wav.scp", "segments", "text", "utt2spk", "spk2utt")
    }


def segment_seconds(segments: Dict[str, str]) -> float:
    return sum(float(v.split()[2]) - float(v.split()[1]) for v in segments.values())


# ---- data dirs match the fixture ----------------------------------------------------------------
@pytest.mark.parametrize(
    "name, split",
    [
        ("train_worn", "train"),
        ("dev_worn", "dev"),
        ("eval_worn", "eval"),
        ("dev_array", "dev"),
        ("eval_array", "eval"),
    ],
)
def test_data_dirs_hold_exactly_the_fixture(
    recipe: Path, name: str, split: str
) -> None:
    files = load(recipe / "data" / name)
    lines = kept(split)
    assert len(files["segments"]) == len(lines)
    assert set(files["utt2spk"].values()) == expected_speakers(split)
    assert segment_seconds(files["segments"]) == pytest.approx(
        expected_seconds(split), abs=1e-6
    )
    assert sorted(files["text"].values()) == sorted(line.expected for line in lines)
    assert set(files["text"]) == set(files["segments"]) == set(files["utt2spk"])
    recordings = {v.split()[0] for v in files["segments"].values()}
    assert recordings == set(files["wav.scp"])
    for path in files["wav.scp"].values():
        assert Path(path).is_absolute() and Path(path).is_file()
    spk2utt = {
        spk: sorted(u for u, s in files["utt2spk"].items() if s == spk)
        for spk in set(files["utt2spk"].values())
    }
    assert {s: v.split() for s, v in files["spk2utt"].items()} == spk2utt


@pytest.mark.parametrize("name", ["train_worn", "dev_array", "train_worn_sp"])
def test_files_are_sorted_in_c_locale(recipe: Path, name: str) -> None:
    directory = recipe / "data" / name
    for file in ("wav.scp", "segments", "text", "utt2spk", "spk2utt"):
        keys = [
            line.split(" ", 1)[0]
            for line in (directory / file).read_text().splitlines()
        ]
        assert keys == sorted(keys, key=lambda k: k.encode()), file


def test_kaldi_chime6_ids_and_recordings(recipe: Path, corpus: Path) -> None:
    worn = load(recipe / "data" / "train_worn")
    # P09 in S03 from 0:00:00.40 to 0:00:02.15 (no location in train: NOLOCATION, as Kaldi's json2text)
    assert worn["segments"]["P09_S03_NOLOCATION-0000040-0000215"] == "P09_S03 0.40 2.15"
    assert worn["wav.scp"]["P09_S03"] == str(corpus / "audio/train/S03_P09.wav")
    array = load(recipe / "data" / "dev_array")
    # P05 in S02, kitchen, reference array U02, microphone 1
    utt = "P05_S02_U02_KITCHEN.CH1-0000050-0000240"
    assert array["segments"][utt] == "S02_U02.CH1 0.50 2.40"
    assert array["wav.scp"]["S02_U02.CH1"] == str(corpus / "audio/dev/S02_U02.CH1.wav")
    assert array["utt2spk"][utt] == "P05"
    assert array["text"][utt] == "so how was the drive"
    dev_worn = load(recipe / "data" / "dev_worn")
    assert dev_worn["text"]["P06_S02_DINING-0000620-0000870"] == (
        "uh there was no traffic actually"
    )


def test_lm_text_is_the_normalized_training_transcripts(recipe: Path) -> None:
    lines = (recipe / "data/local/lm_train.txt").read_text().splitlines()
    assert sorted(lines) == sorted(line.expected for line in kept("train"))


def test_nothing_was_skipped(recipe: Path) -> None:
    assert (recipe / "data/local/chime6_skipped.txt").read_text() == ""


# ---- text normalization ------------------------------------------------------------------------
FIXTURE_LINES = [
    (line.words, line.expected or "")
    for sessions in SESSIONS.values()
    for lines in sessions.values()
    for line in lines
]


@pytest.mark.parametrize(
    "words, expected",
    FIXTURE_LINES
    + [
        ("[inaudible 1:02:03.45] you know?", "you know"),  # time code inside the tag
        ("[inaudible] [noise] [laughs]", ""),
        (
            "I- I mean, it's - it's fine.",
            "i- i mean it's it's fine",
        ),  # partial word, pause dash
        ("Mm-hmm, yeah. Hmm-", "mmhmm yeah hmm"),  # Kaldi: mm- -> mm everywhere
        ("T-shirt, hyphen-ated words stay.", "t-shirt hyphen-ated words stay"),
        ('He said "no"!', "he said no"),
        ("Um... uh, UM; okay: OK.", "um uh um okay ok"),  # hesitations stay words
        ("We went to [REDACTED] yesterday.", ""),  # redacted: the utterance is not used
        ("Rock \u2019n\u2019 roll", "rock 'n' roll"),
        ("   spaced    out   ", "spaced out"),
    ],
)
def test_challenge_normalization(words: str, expected: str) -> None:
    assert normalize_transcript(words) == expected


@pytest.mark.parametrize(
    "value, centiseconds",
    [
        ("0:00:00.40", 40),
        ("1:10:05.55", 420555),
        ("0:59:59.99", 359999),
        ("0:00:07.5", 750),
        ("0:00:01.236", 124),  # finer than centiseconds: rounded
    ],
)
def test_transcript_times(value: str, centiseconds: int) -> None:
    assert parse_time(value) == centiseconds


@pytest.mark.parametrize("value", ["00:05.2", "0:61:00.00", "1.5", "", "0:00:xx"])
def test_malformed_times_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="H:MM:SS"):
        parse_time(value)


# ---- speed perturbation ------------------------------------------------------------------------
def test_speed_perturbed_copies(recipe: Path, corpus: Path) -> None:
    base = load(recipe / "data" / "train_worn")
    sp = load(recipe / "data" / "train_worn_sp")
    assert len(sp["segments"]) == 3 * len(base["segments"])
    path = corpus / "audio/train/S03_P09.wav"
    assert sp["wav.scp"]["P09_S03"] == str(path)  # factor 1.0: the original entries
    assert sp["wav.scp"]["sp0.9-P09_S03"] == f"sox -t wav {path} -t wav - speed 0.9 |"
    utt = "P09_S03_NOLOCATION-0000040-0000215"
    assert sp["segments"][f"sp0.9-{utt}"] == "sp0.9-P09_S03 0.44 2.39"  # times / 0.9
    assert sp["segments"][f"sp1.1-{utt}"] == "sp1.1-P09_S03 0.36 1.95"
    assert sp["utt2spk"][f"sp1.1-{utt}"] == "sp1.1-P09"
    assert sp["text"][f"sp0.9-{utt}"] == base["text"][utt]
    assert segment_seconds(sp["segments"]) == pytest.approx(
        expected_seconds("train") * (1 / 0.9 + 1 + 1 / 1.1),
        abs=0.01 * len(sp["segments"]),
    )


def test_speed_pipes_run_and_stretch_the_audio(corpus: Path, tmp_path: Path) -> None:
    """The wav.scp commands work with sox: 0.9 lengthens by 1/0.9, remix takes one channel."""
    options = Chime6Options(mics=["worn"], worn_channel="left", speed_perturb=["0.9"])
    sets = prepare_chime6(corpus, tmp_path / "data", options)
    command = sets["train_worn_sp"].wav_scp["sp0.9-P09_S03.L"]
    assert command == (
        f"sox {corpus}/audio/train/S03_P09.wav -t wav - remix 1 | sox -t wav - -t wav - speed 0.9 |"
    )
    out = subprocess.run(
        command.rstrip("|"), shell=True, capture_output=True, check=True
    )
    audio, rate = soundfile.read(io.BytesIO(out.stdout))
    original, _ = soundfile.read(corpus / "audio/train/S03_P09.wav")
    assert rate == 16000 and audio.ndim == 1
    assert len(audio) / len(original) == pytest.approx(1 / 0.9, rel=0.01)


def test_worn_channel_options(corpus: Path, tmp_path: Path) -> None:
    both = prepare_chime6(
        corpus, tmp_path / "both", Chime6Options(mics=["worn"], worn_channel="both")
    )["dev_worn"]
    assert len(both.segments) == 2 * len(kept("dev"))
    assert both.wav_scp["P05_S02.R"].endswith("S02_P05.wav -t wav - remix 2 |")
    assert "P05_S02_KITCHEN.L-0000050-0000240" in both.segments
    fixed = prepare_chime6(
        corpus,
        tmp_path / "u01",
        Chime6Options(mics=["array"], array="U01", array_channel=3),
    )["eval_array"]
    assert set(fixed.wav_scp) == {"S01_U01.CH3"}
    assert len(fixed.segments) == len(kept("eval"))


def test_excluded_worn_mics(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    options = Chime6Options(mics=["worn"], exclude_worn=["P10_S03"])
    with caplog.at_level(logging.INFO):
        data = prepare_chime6(corpus, tmp_path / "data", options)["train_worn"]
    p10_s03 = [
        line
        for line in SESSIONS["train"]["S03"]
        if line.speaker == "P10" and line.expected
    ]
    assert len(data.segments) == len(kept("train")) - len(p10_s03)
    assert not any(u.startswith("P10_S03") for u in data.segments)
    # issue 23: the exclusion is logged with its count, and the LM text leaves it out too
    assert (
        f"train: left out {len(p10_s03)} utterances of the excluded worn mics P10_S03"
        in caplog.text
    )
    lm_text = (tmp_path / "data/local/lm_train.txt").read_text().splitlines()
    assert sorted(lm_text) == sorted(
        line.expected for line in kept("train") if line not in p10_s03
    )


# ---- corpus errors -----------------------------------------------------------------------------
@pytest.fixture()
def broken(corpus: Path, tmp_path: Path) -> Path:
    """A private copy of the corpus to damage."""
    return Path(shutil.copytree(corpus, tmp_path / "CHiME6"))


def _edit_json(path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    entries = json.loads(path.read_text())
    edit(entries)
    path.write_text(json.dumps(entries, indent=4))


def _fails(root: Path, tmp_path: Path, *needles: str, **options) -> str:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    with pytest.raises(CorpusError) as err:
        prepare_chime6(root, data, Chime6Options(**options))
    message = str(err.value)
    for needle in needles:
        assert needle in message, message
    assert not data.exists(), "nothing may be written when the corpus is bad"
    return message


def test_missing_root(tmp_path: Path) -> None:
    _fails(tmp_path / "no_chime6", tmp_path, str(tmp_path / "no_chime6"), *WHERE_TO_GET)


@pytest.mark.parametrize(
    "missing", ["audio/dev", "transcriptions/eval", "transcriptions"]
)
def test_missing_corpus_dir(broken: Path, tmp_path: Path, missing: str) -> None:
    shutil.rmtree(broken / missing)
    expected = missing if "/" in missing else "transcriptions/train"
    _fails(broken, tmp_path, str(broken / expected), *WHERE_TO_GET)


def test_no_session_transcripts(broken: Path, tmp_path: Path) -> None:
    (broken / "transcriptions/dev/S02.json").unlink()
    _fails(broken, tmp_path, str(broken / "transcriptions/dev"), "S??.json")


def test_malformed_json(broken: Path, tmp_path: Path) -> None:
    path = broken / "transcriptions/dev/S02.json"
    path.write_text(path.read_text()[:-40])
    _fails(broken, tmp_path, str(path), "not a valid JSON", *WHERE_TO_GET)


def test_chime5_transcripts_are_refused(broken: Path, tmp_path: Path) -> None:
    def per_device(entries: list) -> None:
        for e in entries:
            e["start_time"] = {"original": e["start_time"], "U01": e["start_time"]}

    _edit_json(broken / "transcriptions/train/S04.json", per_device)
    _fails(broken, tmp_path, "S04.json entry 0", "CHiME-5", "chime6-synchronisation")


def test_entry_without_a_field(broken: Path, tmp_path: Path) -> None:
    path = broken / "transcriptions/eval/S01.json"
    _edit_json(path, lambda entries: entries[2].pop("speaker"))
    _fails(broken, tmp_path, f"{path} entry 2", "speaker", "--drop_bad true")
    data = prepare_chime6(broken, tmp_path / "dropped", Chime6Options(drop_bad=True))
    assert len(data["eval_worn"].segments) == len(kept("eval")) - 1
    assert len(data["eval_array"].segments) == len(kept("eval")) - 1
    skipped = (tmp_path / "dropped/local/chime6_skipped.txt").read_text()
    assert f"{path} entry 2: lacks the field(s) speaker" in skipped


def test_segment_ending_before_it_starts(broken: Path, tmp_path: Path) -> None:
    path = broken / "transcriptions/train/S03.json"

    def swap(entries: list) -> None:
        entries[0]["start_time"], entries[0]["end_time"] = "0:00:02.15", "0:00:00.40"

    _edit_json(path, swap)
    _fails(
        broken,
        tmp_path,
        f"{path} entry 0",
        "ends (0:00:00.40) before it starts (0:00:02.15)",
    )
    data = prepare_chime6(
        broken, tmp_path / "dropped", Chime6Options(mics=["worn"], drop_bad=True)
    )
    assert len(data["train_worn"].segments) == len(kept("train")) - 1


def test_missing_worn_wav(broken: Path, tmp_path: Path) -> None:
    wav = broken / "audio/train/S03_P10.wav"
    wav.unlink()
    _fails(broken, tmp_path, str(wav), "missing", "S03.json", *WHERE_TO_GET)
    data = prepare_chime6(broken, tmp_path / "dropped", Chime6Options(drop_bad=True))
    p10 = [
        line
        for line in SESSIONS["train"]["S03"]
        if line.speaker == "P10" and line.expected
    ]
    assert len(data["train_worn"].segments) == len(kept("train")) - len(p10)
    assert len(data["dev_array"].segments) == len(
        kept("dev")
    )  # the others are untouched


def test_missing_reference_array_wav(broken: Path, tmp_path: Path) -> None:
    wav = broken / "audio/eval/S01_U02.CH1.wav"
    wav.unlink()
    _fails(broken, tmp_path, str(wav), "missing")
    data = prepare_chime6(broken, tmp_path / "dropped", Chime6Options(drop_bad=True))
    on_u01 = [line for line in kept("eval") if line.ref == "U01"]
    assert len(data["eval_array"].segments) == len(on_u01)
    assert len(data["eval_worn"].segments) == len(kept("eval"))


def test_corrupt_wav_is_named_and_only_its_utterances_dropped(
    broken: Path, tmp_path: Path
) -> None:
    wav = broken / "audio/dev/S02_U01.CH1.wav"
    wav.write_bytes(b"RIFF\x00\x00garbage" * 10)
    _fails(broken, tmp_path, str(wav), "unreadable audio")
    data = prepare_chime6(broken, tmp_path / "dropped", Chime6Options(drop_bad=True))
    on_u02 = [line for line in kept("dev") if line.ref == "U02"]
    assert len(data["dev_array"].segments) == len(on_u02)
    assert len(data["dev_worn"].segments) == len(kept("dev"))


def test_segment_beyond_the_recording(broken: Path, tmp_path: Path) -> None:
    path = broken / "transcriptions/dev/S02.json"
    _edit_json(path, lambda entries: entries[4].update(end_time="0:00:12.50"))
    _fails(broken, tmp_path, f"{path} entry 4", "after the end of", "S02_P05.wav")
    data = prepare_chime6(broken, tmp_path / "dropped", Chime6Options(drop_bad=True))
    for name in (
        "dev_worn",
        "dev_array",
    ):  # only that utterance goes, not its recording's others
        assert len(data[name].segments) == len(kept("dev")) - 1


def test_entry_with_words_that_are_not_text(broken: Path, tmp_path: Path) -> None:
    path = broken / "transcriptions/train/S04.json"
    _edit_json(path, lambda entries: entries[1].update(words=None))
    _fails(broken, tmp_path, f"{path} entry 1", "words not a string")


def test_whole_set_dropped_is_an_error(broken: Path, tmp_path: Path) -> None:
    for wav in (broken / "audio/eval").glob("S01_P*.wav"):
        wav.unlink()
    _fails(broken, tmp_path, "eval_worn: no utterances left", drop_bad=True)


# ---- the shell entry points --------------------------------------------------------------------
def test_data_sh_requires_the_root_and_names_a_missing_one(
    recipe: Path, tmp_path: Path
) -> None:
    result = run(["local/data.sh"], recipe, CHIME6_ROOT="")
    assert result.returncode == 2 and "--chime6_root is required" in result.stderr
    result = run(["local/data.sh", "--chime6_root", str(tmp_path / "nowhere")], recipe)
    assert result.returncode == 1
    assert (
        str(tmp_path / "nowhere") in result.stderr and WHERE_TO_GET[0] in result.stderr
    )
    result = run(["local/data.sh", "--chime_root", "x"], recipe)
    assert result.returncode == 2 and "unknown option '--chime_root'" in result.stderr


def test_run_sh_stage_10_reads_chime6_root_from_the_environment(
    recipe: Path, corpus: Path, tmp_path: Path
) -> None:
    """run.sh passes --local_data_opts through the pipeline (lists with commas: split on spaces)."""
    target = make_chime6_recipe(tmp_path / "chime6" / "asr1")
    result = run(
        [
            *STAGE_10,
            "--local_data_opts",
            "--speed_perturb 0.9,1.0,1.1 --mic worn,array",
        ],
        target,
        CHIME6_ROOT=str(corpus),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (target / "data/.done").is_file()
    names = (
        "train_worn",
        "dev_worn",
        "eval_worn",
        "dev_array",
        "eval_array",
        "train_worn_sp",
    )
    for name in names:
        assert (target / "data" / name / "segments").read_text() == (
            recipe / "data" / name / "segments"
        ).read_text()


def test_run_sh_stages_10_to_80_dump_every_utterance_train_and_score(
    corpus: Path, tmp_path: Path
) -> None:
    """Stage 20 cuts the segments out of the session WAVs (the worn mic's left channel, the
    pipeline's --audio_channel 0), runs the sox speed pipes, and dumps one mono file per utterance:
    counts and total duration match the fixture."""
    target = make_chime6_recipe(tmp_path / "chime6" / "asr1")
    result = run(
        [
            *run_stages(10, 20),
            "--train_set",
            "train_worn_sp",
            "--local_data_opts",
            f"--chime6_root {corpus} --speed_perturb 0.9,1.0,1.1",
        ],
        target,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    speeds = 1 / 0.9 + 1 + 1 / 1.1
    for name, split, copies, seconds in [
        ("train_worn_sp", "train", 3, expected_seconds("train") * speeds),
        ("dev_worn", "dev", 1, expected_seconds("dev")),
        ("eval_worn", "eval", 1, expected_seconds("eval")),
        ("dev_array", "dev", 1, expected_seconds("dev")),
        ("eval_array", "eval", 1, expected_seconds("eval")),
    ]:
        wav_scp = read_kv(target / "dump/raw" / name / "wav.scp")
        assert len(wav_scp) == copies * len(kept(split)), name
        infos = [soundfile.info(target / path) for path in wav_scp.values()]
        assert {(i.channels, i.samplerate) for i in infos} == {(1, 16000)}, name
        total = sum(i.duration for i in infos)
        assert total == pytest.approx(seconds, abs=0.01 * len(infos)), name
    # the worn mic's left channel, sample for sample (16-bit source, lossless FLAC dump)
    dumped = read_kv(target / "dump/raw/dev_worn/wav.scp")[
        "P05_S02_KITCHEN-0000050-0000240"
    ]
    audio, _ = soundfile.read(target / dumped, dtype="int16")
    source, _ = soundfile.read(corpus / "audio/dev/S02_P05.wav", dtype="int16")
    assert np.array_equal(audio, source[8000:38400, 0])

    # on to a trained-for-a-few-steps model and a score (a tiny CTC config; not the paper's model)
    result = run(
        [
            *run_stages(30, 80),
            "--train_set",
            "train_worn_sp",
            "--ngpu",
            "0",
            *TINY_CTC,
            "--nbpe",
            "30",
        ],
        target,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    exp = target / "exp/asr_train_asr_conformer_ctc_tiny"
    for name, split in (("dev_worn", "dev"), ("eval_array", "eval")):
        score = json.loads(
            next(exp.glob(f"decode_*/{name}/score_wer/result.json")).read_text()
        )
        assert score["Snt"] == len(kept(split)) and score["Wrd"] > 0, name
    assert "eval_array" in (target / "RESULTS.md").read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--source", "ftp"], "--source takes openslr or chime5"),
        (["--parts", "train test"], "--parts takes train, dev and/or eval, not 'test'"),
        (["--source", "chime5"], "needs --chime5_root"),
        (
            ["--source", "chime5", "--chime5_root", "/nonexistent/CHiME5"],
            "/nonexistent/CHiME5/audio",
        ),
        (["--verify", "maybe"], "takes true or false"),
        (["--mirrors", "x"], "unknown option '--mirrors'"),
    ],
)
def test_download_sh_checks_its_options_before_any_download(
    recipe: Path, args: List[str], message: str
) -> None:
    result = run(["local/download.sh", "--download_dir", "dl_test", *args], recipe)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert not (recipe / "dl_test").exists()


def test_download_sh_help_lists_its_options(recipe: Path) -> None:
    result = run(["local/download.sh", "--help"], recipe)
    assert result.returncode == 0
    for option in ("--source", "--parts", "--mirror", "--chime5_root", "--verify"):
        assert option in result.stdout
