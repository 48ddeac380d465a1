"""The LibriSpeech (+ Libri-Light) recipe on a tiny corpus in the real release layouts.

Data preparation (local/data.sh in a recipe made by TEMPLATE's setup.sh), the labeled
low-resource sets, VAD segments, transcript normalization, every corpus error, download.sh's
checks, stage 20 on the labeled sets, stages 44-46 on the segmented unlabeled set (dumped by the
format step, then a tiny pretraining), and stages 30-80 on to a trained-for-a-few-steps model and
a score.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
import soundfile
import yaml

from bigssl.data.corpora.librispeech import (
    CorpusError,
    group_voice_activity,
    normalize_transcript,
    prepare_corpus,
    read_voice_activity,
)
from bigssl.io_utils import read_kv
from tests.conftest import REPO, run_command
from tests.integration.recipe_helpers import STAGE_10, TINY_CTC
from tests.integration.recipe_helpers import make_recipe as make_recipe_from
from tests.integration.recipe_helpers import run_stages
from tests.recipes.librispeech_fixture import LibriFixture, build_fixture

RECIPE = REPO / "egs/librispeech/asr1"
LABELED_SETS = [
    "train_clean_100", "train_clean_360", "train_other_500",  # LibriSpeech's parts
    "dev_clean", "dev_other", "test_clean", "test_other",
    "train_960", "dev",  # combined
    "train_10min", "train_1h", "train_10h",  # Libri-light's limited-resource folds
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> LibriFixture:
    return build_fixture(tmp_path_factory.mktemp("libri_corpus"))


def make_recipe(target: Path) -> Path:
    """A new recipe at ``target`` by TEMPLATE's setup.sh, with this recipe's run.sh, local/, conf/."""
    return make_recipe_from(target, RECIPE)


def run(recipe: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return run_command(args, cwd=recipe, timeout=timeout)


def corpus_opts(corpus: LibriFixture, extra: str = "") -> str:
    return (
        f"--librispeech_root {corpus.librispeech_root} "
        f"--librilight_root {corpus.librilight_root} --librilight_subsets small {extra}"
    ).strip()


@pytest.fixture(scope="module")
def prepared(corpus: LibriFixture, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recipe copy after local/data.sh on the fixture."""
    recipe = make_recipe(tmp_path_factory.mktemp("recipes") / "librispeech" / "asr1")
    opts = corpus_opts(corpus).split()
    result = run(recipe, "local/data.sh", *opts)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return recipe


# ---- data preparation --------------------------------------------------------------------------


@pytest.mark.parametrize("dset", LABELED_SETS)
def test_labeled_sets_match_the_corpus(
    prepared: Path, corpus: LibriFixture, dset: str
) -> None:
    data = prepared / "data" / dset
    expected = {u.utt_id: u for u in corpus.sets[dset]}
    wav_scp, text, utt2spk = (read_kv(data / n) for n in ("wav.scp", "text", "utt2spk"))
    assert set(wav_scp) == set(expected) and set(text) == set(expected)
    assert text == {u: e.text for u, e in expected.items()}
    assert utt2spk == {u: e.speaker for u, e in expected.items()}
    spk2utt = {s: set(v.split()) for s, v in read_kv(data / "spk2utt").items()}
    assert spk2utt == {
        s: {u for u, e in expected.items() if e.speaker == s}
        for s in {e.speaker for e in expected.values()}
    }
    samples = {u: soundfile.info(p).frames for u, p in wav_scp.items()}
    assert samples == {u: e.samples for u, e in expected.items()}
    assert all(Path(p).is_absolute() and p.endswith(".flac") for p in wav_scp.values())
    for name in ("wav.scp", "text", "utt2spk", "spk2utt"):
        keys = [line.split(" ", 1)[0].encode() for line in (data / name).open()]
        assert keys == sorted(keys) and len(keys) == len(set(keys)), name
    assert not (data / "segments").exists()


def test_low_resource_sets_are_the_right_folders(
    prepared: Path, corpus: LibriFixture
) -> None:
    """10 min = 1h/0, 1 h = 1h/*, 10 h = 1h/* + 9h; each folder's trans.txt lists its whole chapter."""
    top = corpus.librilight_root / "librispeech_finetuning"

    def folders(dset: str) -> List[str]:
        paths = read_kv(prepared / "data" / dset / "wav.scp").values()
        # <folder>/<clean|other>/<spk>/<chapter>/<utt>.flac
        return sorted({str(Path(p).relative_to(top).parents[2]) for p in paths})

    one_hour = [f"1h/{i}/{k}" for i in range(6) for k in ("clean", "other")]
    assert folders("train_10min") == ["1h/0/clean", "1h/0/other"]
    assert folders("train_1h") == sorted(one_hour)
    assert folders("train_10h") == sorted(one_hour + ["9h/clean", "9h/other"])
    assert (
        len(read_kv(prepared / "data/train_10h/text")) == 14
    )  # not the chapters' 14 lines x 7


def test_unlabeled_set_is_cut_by_voice_activity(
    prepared: Path, corpus: LibriFixture
) -> None:
    data = prepared / "data/librilight"
    assert sorted(p.name for p in data.iterdir()) == [
        "segments",
        "spk2utt",
        "utt2spk",
        "wav.scp",
    ]
    wav_scp = read_kv(data / "wav.scp")
    assert set(wav_scp) == set(corpus.voice_activity)
    segments = {u: v.split() for u, v in read_kv(data / "segments").items()}
    # the default target (60 s of voice) keeps each short recording in one segment
    expected = {
        f"{rec}_0000": [rec, f"{spans[0][0]:.3f}", f"{spans[-1][1]:.3f}"]
        for rec, spans in corpus.voice_activity.items()
    }
    assert segments == expected
    assert read_kv(data / "utt2spk") == {u: u.split("-")[0] for u in expected}
    for rec, path in wav_scp.items():
        assert float(segments[f"{rec}_0000"][2]) <= soundfile.info(path).duration


@pytest.mark.parametrize(
    "name", ["librispeech-lm-norm.txt", "librispeech-lm-norm.txt.gz"]
)
def test_lm_text_is_the_lm_corpus_plus_training_transcripts(
    corpus: LibriFixture, tmp_path: Path, name: str
) -> None:
    lm_text = tmp_path / name
    content = "A FIRST BOOK LINE\nIT'S THE SECOND\n\nBAD LINE 42\n".encode()
    lm_text.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    prepare_corpus(
        tmp_path / "data",
        corpus.librispeech_root,
        parts=["train-clean-360", "dev-clean"],
        lm_text=lm_text,
    )
    lines = (tmp_path / "data/local/lm_train.txt").read_text().splitlines()
    assert lines == ["A FIRST BOOK LINE", "IT'S THE SECOND"] + [
        u.text for u in corpus.sets["train_clean_360"]
    ]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [
        "dev_clean",
        "local",
        "train_clean_360",
    ]


# ---- VAD segments (Libri-Light's cut_by_vad.py grouping) ---------------------------------------


def test_voice_activity_is_grouped_up_to_the_target_voiced_length(
    tmp_path: Path,
) -> None:
    meta = {
        "speaker": "960",
        "book_meta": {"id": "319", "title": "History of Holland"},
        "snr": 5.391,
        "voice_activity": [[0.4, 12.32], [13.0, 40.0], [41.0, 70.5], [71.0, 72.0]],
    }
    path = tmp_path / "x.json"
    path.write_text(json.dumps(meta))
    vad = read_voice_activity(path)
    assert vad == [(0.4, 12.32), (13.0, 40.0), (41.0, 70.5), (71.0, 72.0)]
    # 11.92 + 27 s fit in 60; 29.5 more would not: a new group takes 29.5 + 1
    assert group_voice_activity(vad, 60) == [(0.4, 40.0), (41.0, 72.0)]
    # at 30 s nothing merges (11.92 + 27 > 30, 29.5 + 1 > 30); at 30.5 the last two do
    assert group_voice_activity(vad, 30) == vad
    assert group_voice_activity(vad, 30.5) == [(0.4, 12.32), (13.0, 40.0), (41.0, 72.0)]
    # a segment longer than the target is a group by itself
    assert group_voice_activity([(0, 75), (76, 77), (78, 80)], 60) == [
        (0, 75),
        (76, 80),
    ]
    assert group_voice_activity([], 60) == []
    # issue 23: a 120 s pause inside a group made one 140 s segment (stage 44 then refused the set)
    paused = [(0.0, 10.0), (11.0, 20.0), (140.0, 150.0)]
    assert group_voice_activity(paused, 60) == [(0.0, 20.0), (140.0, 150.0)]
    # pauses within the limit stay inside, but a span never exceeds twice the target
    sparse = [(i * 4.5, i * 4.5 + 0.5) for i in range(40)]  # 0.5 s of voice every 4.5 s
    groups = group_voice_activity(sparse, 10)
    assert all(end - start <= 20 for start, end in groups) and len(groups) == 8
    assert groups[0] == (0.0, 18.5)


def test_vad_target_cuts_the_fixture_recordings_into_segments(
    corpus: LibriFixture, tmp_path: Path
) -> None:
    prepare_corpus(
        tmp_path / "data",
        corpus.librispeech_root,
        parts=["dev-clean"],
        librilight_root=corpus.librilight_root,
        librilight_limited=False,
        librilight_subsets=["small"],
        vad_target_seconds=1.2,  # each fixture sentence is 0.8-1.3 s of voice
    )
    segments = read_kv(tmp_path / "data/librilight/segments")
    expected = {}
    for rec, spans in corpus.voice_activity.items():
        for index, (start, end) in enumerate(group_voice_activity(spans, 1.2)):
            expected[f"{rec}_{index:04d}"] = f"{rec} {start:.3f} {end:.3f}"
    assert segments == expected
    assert len(segments) > len(corpus.voice_activity)
    voiced = sum(b - a for spans in corpus.voice_activity.values() for a, b in spans)
    spanned = sum(float(v.split()[2]) - float(v.split()[1]) for v in segments.values())
    assert voiced <= spanned + 0.01


# ---- transcript normalization ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            "HE HOPED THERE WOULD BE STEW FOR DINNER",
            "HE HOPED THERE WOULD BE STEW FOR DINNER",
        ),
        ("DON'T YOU THINK SO", "DON'T YOU THINK SO"),
        ("AT NINE O'CLOCK", "AT NINE O'CLOCK"),
        (
            "THE HORSES' HOOVES",
            "THE HORSES' HOOVES",
        ),  # plural possessive kept, as LibriSpeech writes it
        ("'TWAS THE NIGHT", "'TWAS THE NIGHT"),
        ("  MISTER   QUILTER  \n", "MISTER QUILTER"),
        ("mister quilter's manner", "MISTER QUILTER'S MANNER"),
    ],
)
def test_normalize_keeps_librispeech_convention(line: str, expected: str) -> None:
    assert normalize_transcript(line) == expected


@pytest.mark.parametrize(
    "line", ["", "   ", "CHAPTER 1", "HELLO, WORLD", "CAFÉ AU LAIT", "' '", "A-B"]
)
def test_normalize_rejects_what_is_not_the_convention(line: str) -> None:
    with pytest.raises(ValueError, match="upper-case words"):
        normalize_transcript(line)


# ---- corpus errors -----------------------------------------------------------------------------


@pytest.fixture
def broken(corpus: LibriFixture, tmp_path: Path) -> Path:
    """A private copy of the corpus to break."""
    return Path(shutil.copytree(corpus.librispeech_root, tmp_path / "corpora"))


def _prepare(root: Path, tmp_path: Path, **kwargs) -> Dict[str, int]:  # type: ignore[no-untyped-def]
    return prepare_corpus(tmp_path / "data", root, **kwargs)


def _prepare_librilight(
    root: Path, tmp_path: Path, subsets: List[str]
) -> Dict[str, int]:
    """dev-clean and Libri-light from ``root``: its limited-resource folds and ``subsets``."""
    return _prepare(
        root,
        tmp_path,
        parts=["dev-clean"],
        librilight_root=root,
        librilight_subsets=subsets,
    )


OPENSLR = "https://www.openslr.org/12"


def esc(text: object) -> str:
    """``text`` as a literal regular expression (paths in ``pytest.raises(match=...)``)."""
    return re.escape(str(text))


LIBRILIGHT = "https://github.com/facebookresearch/libri-light"


def test_missing_root(tmp_path: Path) -> None:
    with pytest.raises(
        CorpusError,
        match=f"{esc(tmp_path / 'nowhere')}: no LibriSpeech/.*{esc(OPENSLR)}",
    ):
        _prepare(tmp_path / "nowhere", tmp_path)


def test_missing_part(broken: Path, tmp_path: Path) -> None:
    shutil.rmtree(broken / "LibriSpeech/test-other")
    part = broken / "LibriSpeech/test-other"
    with pytest.raises(
        CorpusError, match=f"{esc(part)}: no such directory.*{esc(OPENSLR)}"
    ):
        _prepare(broken, tmp_path)


def test_chapter_without_transcripts(broken: Path, tmp_path: Path) -> None:
    trans = broken / "LibriSpeech/dev-clean/1272/128104/1272-128104.trans.txt"
    trans.unlink()
    with pytest.raises(CorpusError, match=f"{esc(trans)}: missing .*{esc(OPENSLR)}"):
        _prepare(broken, tmp_path, parts=["dev-clean"])


def test_transcript_line_without_audio(
    broken: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    flac = broken / "LibriSpeech/dev-clean/1272/128104/1272-128104-0001.flac"
    flac.unlink()
    with pytest.raises(CorpusError) as err:
        _prepare(broken, tmp_path, parts=["dev-clean", "dev-other"])
    assert f"utterance 1272-128104-0001 has no audio file {flac}" in str(err.value)
    assert "--drop_bad true" in str(err.value) and OPENSLR in str(err.value)
    with caplog.at_level(logging.WARNING):
        counts = _prepare(
            broken, tmp_path, parts=["dev-clean", "dev-other"], drop_bad=True
        )
    assert counts == {"dev_clean": 1, "dev_other": 2, "dev": 3}
    assert "skipped 1 utterance(s)" in caplog.text and "1272-128104-0001" in caplog.text
    assert list(read_kv(tmp_path / "data/dev_clean/text")) == ["1272-128104-0000"]


@pytest.mark.parametrize(
    "bad_line, message",
    [
        ("1272-128104-0002", "utterance 1272-128104-0002 has no words after its id"),
        ("1272-128104 NO UTTERANCE NUMBER", "expected '1272-128104-<NNNN> WORDS'"),
        ("1272-128104-0002 THE 3 BEARS", "bad word"),
        ("9999-128104-0002 WRONG CHAPTER", "expected '1272-128104-<NNNN> WORDS'"),
        ("1272-128104-0000 LISTED TWICE", "listed twice"),
    ],
)
def test_malformed_transcript_line(
    broken: Path, tmp_path: Path, bad_line: str, message: str
) -> None:
    trans = broken / "LibriSpeech/dev-clean/1272/128104/1272-128104.trans.txt"
    trans.write_text(trans.read_text() + bad_line + "\n")
    with pytest.raises(CorpusError) as err:
        _prepare(broken, tmp_path, parts=["dev-clean"])
    assert f"{trans}:3: " in str(err.value) and message in str(err.value)
    assert _prepare(broken, tmp_path, parts=["dev-clean"], drop_bad=True) == {
        "dev_clean": 2
    }


def test_missing_low_resource_folder(broken: Path, tmp_path: Path) -> None:
    shutil.rmtree(broken / "librispeech_finetuning/1h/3/other")
    folder = broken / "librispeech_finetuning/1h/3/other"
    with pytest.raises(
        CorpusError, match=f"{esc(folder)}: no such directory.*{esc(LIBRILIGHT)}"
    ):
        _prepare_librilight(broken, tmp_path, [])


def test_json_without_voice_activity(broken: Path, tmp_path: Path) -> None:
    meta_path = next((broken / "small").rglob("*.json"))
    meta = json.loads(meta_path.read_text())
    del meta["voice_activity"]
    meta_path.write_text(json.dumps(meta))
    kwargs = dict(
        parts=["dev-clean"],
        librilight_root=broken,
        librilight_limited=False,
        librilight_subsets=["small"],
    )
    with pytest.raises(CorpusError) as err:
        _prepare(broken, tmp_path, **kwargs)
    assert f"{meta_path}: no 'voice_activity'" in str(err.value) and LIBRILIGHT in str(
        err.value
    )
    counts = _prepare(broken, tmp_path, drop_bad=True, **kwargs)
    assert counts["librilight"] == 2  # the other two recordings
    assert meta_path.stem not in (tmp_path / "data/librilight/wav.scp").read_text()


def test_missing_unlabeled_subset(broken: Path, tmp_path: Path) -> None:
    with pytest.raises(
        CorpusError,
        match=f"{esc(broken / 'medium')}: no such directory.*{esc(LIBRILIGHT)}",
    ):
        _prepare_librilight(broken, tmp_path, ["small", "medium"])


def test_an_utterance_in_two_folds_is_an_error(broken: Path, tmp_path: Path) -> None:
    top = broken / "librispeech_finetuning"
    shutil.copytree(top / "1h/0/clean/103", top / "9h/clean/103")
    with pytest.raises(CorpusError, match="103-1240-0000'.*occur more than once"):
        _prepare_librilight(broken, tmp_path, [])


def test_data_sh_errors_name_the_problem(corpus: LibriFixture, tmp_path: Path) -> None:
    recipe = make_recipe(tmp_path / "recipe")
    result = run(recipe, "local/data.sh")
    assert result.returncode == 2 and "--librispeech_root is required" in result.stderr
    assert OPENSLR in result.stderr
    result = run(
        recipe, "local/data.sh", "--librispeech_root", str(tmp_path / "nowhere")
    )
    assert result.returncode == 1
    assert (
        f"{tmp_path / 'nowhere'}: no LibriSpeech/" in result.stderr
        and OPENSLR in result.stderr
    )
    result = run(
        recipe,
        "local/data.sh",
        "--librispeech_root",
        str(corpus.librispeech_root),
        "--parts",
        "train-clean-1000",
    )
    assert (
        result.returncode == 1
        and "unknown LibriSpeech part(s) ['train-clean-1000']" in result.stderr
    )
    result = run(recipe, "local/data.sh", "--no_such_option", "1")
    assert (
        result.returncode == 2 and "unknown option '--no_such_option'" in result.stderr
    )


def test_db_local_sh_without_export_sets_the_corpus_root(tmp_path: Path) -> None:
    """ESPnet's db.sh style: a plain assignment in the untracked db.local.sh is the default root."""
    recipe = make_recipe(tmp_path / "recipe")
    (recipe / "db.local.sh").write_text(f"LIBRISPEECH={tmp_path / 'from_db'}\n")
    result = run(recipe, "local/data.sh")
    assert result.returncode == 1, result.stderr
    assert f"{tmp_path / 'from_db'}: no LibriSpeech/" in result.stderr


@pytest.mark.parametrize(
    "parts",
    ["'dev-clean test-other'", '"dev-clean test-other"', "dev-clean,test-other"],
)
def test_several_parts_pass_through_run_sh(
    corpus: LibriFixture, tmp_path: Path, parts: str
) -> None:
    """Issue 23: stage 10 split --local_data_opts on spaces, and local/data.sh rejected commas."""
    recipe = make_recipe(tmp_path / "recipe")
    opts = f"--librispeech_root {corpus.librispeech_root} --parts {parts}"
    result = run(recipe, *STAGE_10, "--local_data_opts", opts)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    made = sorted(p.name for p in (recipe / "data").iterdir() if p.is_dir())
    assert "dev_clean" in made and "test_other" in made
    assert not {"dev_other", "test_clean", "train_960", "dev"} & set(made)
    result = run(
        recipe, "./run.sh", "--stage", "10", "--stop_stage", "10",
        "--local_data_opts", "--parts 'dev-clean",
    )  # fmt: skip
    assert "already prepared" in result.stdout  # the finished stage is not redone
    (recipe / "data/.done").unlink()
    result = run(
        recipe, "./run.sh", "--stage", "10", "--stop_stage", "10",
        "--local_data_opts", "--parts 'dev-clean",
    )  # fmt: skip
    assert result.returncode == 2 and "unbalanced quotes" in result.stdout


def test_download_sh_checks_options_and_checksums(tmp_path: Path) -> None:
    """No internet here: a file:// mirror stands in for openslr.org, with a wrong archive."""
    recipe = make_recipe(tmp_path / "recipe")
    result = run(recipe, "local/download.sh", "--parts", "dev-cleen")
    assert (
        result.returncode == 2
        and "unknown LibriSpeech part 'dev-cleen'" in result.stderr
    )
    result = run(
        recipe, "local/download.sh", "--parts", "", "--librilight_subsets", "huge"
    )
    assert (
        result.returncode == 2 and "unknown Libri-Light subset 'huge'" in result.stderr
    )
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "dev-clean.tar.gz").write_bytes(b"not the real archive")
    download = ["local/download.sh", "--target_dir", str(tmp_path / "down")]
    from_mirror = ["--librispeech_url", f"file://{mirror}"]
    result = run(recipe, *download, "--parts", "dev-clean", *from_mirror)
    assert result.returncode == 1
    assert "dev-clean.tar.gz: sha256 checksum mismatch" in result.stderr
    assert (tmp_path / "down/dev-clean.tar.gz.bad").is_file()
    result = run(recipe, *download, "--parts", "test-other", *from_mirror)
    assert result.returncode == 1 and "could not download file://" in result.stderr


# ---- the pipeline ------------------------------------------------------------------------------

VALIDATED = ["train_960", "dev", "dev_clean", "dev_other", "test_clean", "test_other",
             "train_10min", "train_1h", "train_10h"]  # fmt: skip


@pytest.fixture(scope="module")
def staged(corpus: LibriFixture, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recipe copy after ./run.sh --stage 10 --stop_stage 20."""
    recipe = make_recipe(tmp_path_factory.mktemp("recipes") / "librispeech" / "asr1")
    result = run(
        recipe,
        *run_stages(10, 20),
        "--local_data_opts",
        corpus_opts(corpus),
        "--test_sets",
        " ".join(VALIDATED[2:]),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return recipe


def test_stage_20_validates_every_labeled_set(
    staged: Path, corpus: LibriFixture
) -> None:
    for dset in VALIDATED:
        dump = staged / "dump/raw" / dset
        assert (dump / ".done").is_file(), dset
        assert set(read_kv(dump / "text")) == {u.utt_id for u in corpus.sets[dset]}
        assert (dump / "dropped_utts").read_text() == ""
    assert (staged / "data/.done").is_file()


def test_a_few_training_steps_and_a_score(staged: Path) -> None:
    """Stages 30-80 on the fixture with the tiny CTC config: a model, decodings, WER, RESULTS.md."""
    opts = [*TINY_CTC, "--nbpe", "40", "--test_sets", "test_clean test_other"]
    result = run(staged, *run_stages(30, 80), *opts, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    exp = staged / "exp/asr_train_asr_conformer_ctc_tiny"
    assert (exp / "valid.loss.ave.pth").is_file()
    for dset in ("test_clean", "test_other"):
        score = json.loads(
            next(exp.glob(f"decode_*/{dset}/score_wer/result.json")).read_text()
        )
        assert score["Snt"] == 2 and score["Wrd"] > 0
    assert "test_clean" in (staged / "RESULTS.md").read_text()


def test_unlabeled_segments_are_dumped_and_pretrained_on(
    staged: Path, corpus: LibriFixture
) -> None:
    """Stage 44 cuts data/librilight's segments out of the recordings (the format stage), 45-46
    pretrain a tiny Conformer on them for an epoch."""
    result = run(
        staged,
        *run_stages(44, 46),
        "--pretrain_config",
        str(REPO / "egs/TEMPLATE/asr1/conf/ssl/pretrain_tiny.yaml"),
        "--pretrain_args",
        "--max_epoch 1 --batch_bins 300000",
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    segments = {
        u: v.split() for u, v in read_kv(staged / "data/librilight/segments").items()
    }
    dumped = read_kv(staged / "dump/raw/librilight/wav.scp")
    assert set(dumped) == set(segments) and len(dumped) == len(corpus.voice_activity)
    for utt, (_, start, end) in segments.items():
        info = soundfile.info(str(staged / dumped[utt]))  # relative to the recipe
        assert info.samplerate == 16000 and info.channels == 1
        assert info.frames == round(float(end) * 16000) - round(float(start) * 16000)
    assert not (staged / "dump/raw/librilight/text").exists()
    assert set(read_kv(staged / "dump/raw/ssl_train/wav.scp")) == set(segments)
    assert (staged / "exp/ssl_iter1/valid.loss.ave.pth").is_file()


# ---- configs -----------------------------------------------------------------------------------


def _encoder(config: Path) -> dict:
    return yaml.safe_load(config.read_text())["encoder_conf"]


@pytest.mark.parametrize(
    "config",
    sorted(RECIPE.glob("conf/train_*xl*.yaml")),
    ids=lambda p: p.name,
)
def test_fine_tuning_encoders_are_the_pretrained_one(config: Path) -> None:
    """--asr_init_ssl_iter loads the pretrained encoder: every XL config has its encoder, key for key."""
    assert _encoder(config) == _encoder(RECIPE / "conf/ssl/pretrain_xl.yaml")
    assert (
        _encoder(config)["num_blocks"] == 24 and _encoder(config)["output_size"] == 1024
    )
