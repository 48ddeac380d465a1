"""The voicesearch (bring-your-own-data) recipe: data preparation from every input form through the
dump stage, its errors, nested labeled fractions, the configs, and the data-efficiency study end to end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
import soundfile
import yaml

from bigssl.data.corpora.common import CorpusError
from bigssl.data.corpora.manifest import prepare_data_dirs
from bigssl.data.corpora.manifest_read import kaldi_safe
from bigssl.data.fractions import write_nested_subsets
from bigssl.io_utils import read_kv
from tests.conftest import REPO, run_command
from tests.integration.recipe_helpers import STAGE_10
from tests.integration.recipe_helpers import make_recipe as make_recipe_from
from tests.integration.recipe_helpers import run_stages
from tests.recipes.voicesearch_fixture import (
    VoicesearchFixture,
    build_voicesearch_fixture,
)

RECIPE = REPO / "egs/voicesearch/asr1"
TINY = [  # the tiny CPU configs and a vocabulary small enough for 4 training utterances
    "--asr_config", "conf/train_asr_mini_ctc.yaml",
    "--inference_config", "conf/decode_ctc.yaml",
    "--inference_model", "valid.cer_ctc.ave.pth",
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> VoicesearchFixture:
    return build_voicesearch_fixture(tmp_path_factory.mktemp("byod") / "corpus")


def make_recipe(target: Path) -> Path:
    """A new recipe made by TEMPLATE's setup.sh from egs/voicesearch/asr1, plus its study script."""
    make_recipe_from(target, RECIPE)
    shutil.copy(RECIPE / "run_study.sh", target / "run_study.sh")
    return target


def run(cmd: List[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return run_command(cmd, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="module")
def recipe(
    corpus: VoicesearchFixture, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The fixture corpus through stages 10 (local/data.sh) and 20 (validation and dump)."""
    target = make_recipe(tmp_path_factory.mktemp("recipes") / "vs" / "asr1")
    result = run(
        [
            *run_stages(10, 20),
            "--local_data_opts",
            corpus.data_opts(),
            *TINY,
        ],
        target,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return target


def seconds_of(data_dir: Path) -> float:
    """Total seconds of a data dir: its segments, or its audio files' lengths."""
    if (data_dir / "segments").is_file():
        spans = [v.split() for v in read_kv(data_dir / "segments").values()]
        return sum(float(end) - float(start) for _, start, end in spans)
    return sum(
        soundfile.info(p).duration for p in read_kv(data_dir / "wav.scp").values()
    )


def check_sorted_and_consistent(data_dir: Path) -> None:
    for name in ("wav.scp", "utt2spk", "spk2utt", "text", "segments"):
        if (data_dir / name).is_file():
            keys = [
                line.split(" ", 1)[0].encode()
                for line in (data_dir / name).read_text().splitlines()
            ]
            assert keys == sorted(keys) and len(keys) == len(set(keys)), data_dir / name
    utt2spk = read_kv(data_dir / "utt2spk")
    spk2utt = {s: u.split() for s, u in read_kv(data_dir / "spk2utt").items()}
    assert {u: s for s, us in spk2utt.items() for u in us} == utt2spk
    assert all(kaldi_safe(u) == u for u in utt2spk)


@pytest.mark.parametrize("dset", ["train", "dev", "test", "unlabeled"])
def test_prepared_sets_match_the_fixture(
    recipe: Path, corpus: VoicesearchFixture, dset: str
) -> None:
    expected = corpus.expected[dset]
    data = recipe / "data" / dset
    check_sorted_and_consistent(data)
    utt2spk = read_kv(data / "utt2spk")
    assert len(utt2spk) == expected.utterances
    assert set(utt2spk.values()) == expected.speakers
    assert seconds_of(data) == pytest.approx(expected.seconds, abs=1e-6)
    hours = json.loads((recipe / "data/local/corpus_hours.json").read_text())
    assert hours[dset] * 3600 == pytest.approx(expected.seconds, abs=1e-6)
    assert (data / "text").is_file() == (dset != "unlabeled")


@pytest.mark.parametrize("dset", ["train", "dev", "test"])
def test_dump_stage_leaves_16k_mono_files_of_the_same_length(
    recipe: Path, corpus: VoicesearchFixture, dset: str
) -> None:
    """Segments, 8 kHz and MP3 audio are dumped by stage 20; every utterance keeps its length."""
    dumped = recipe / "dump/raw" / dset
    wav_scp = read_kv(dumped / "wav.scp")
    assert not (dumped / "segments").exists()
    assert len(wav_scp) == corpus.expected[dset].utterances
    for path in wav_scp.values():
        info = soundfile.info(
            str(recipe / path) if not Path(path).is_absolute() else path
        )
        assert (info.samplerate, info.channels, info.format) in (
            (16000, 1, "WAV"),
            (16000, 1, "FLAC"),
        )
    # resampling and cutting at whole samples: within one 8 kHz sample per utterance
    assert seconds_of_dump(recipe, dumped) == pytest.approx(
        corpus.expected[dset].seconds, abs=wav_scp.__len__() / 8000
    )
    assert read_kv(dumped / "text") == read_kv(recipe / "data" / dset / "text")


def seconds_of_dump(recipe: Path, dumped: Path) -> float:
    return sum(
        soundfile.info(str(recipe / p) if not Path(p).is_absolute() else p).duration
        for p in read_kv(dumped / "wav.scp").values()
    )


def test_ids_speakers_and_segments_follow_the_documented_rules(
    recipe: Path, corpus: VoicesearchFixture
) -> None:
    train = read_kv(recipe / "data/train/text")
    assert (
        train["carol_smith-carol-q07"] == "pizza near me open now"
    )  # quoted CSV field with a comma (removed by --text_norm written)
    assert read_kv(recipe / "data/train/wav.scp")["alice-q03"] == str(
        corpus.audio["audio/alice/q03.wav"]
    )
    segments = read_kv(recipe / "data/dev/segments")
    assert (
        segments["dave-sessions-dave_1-00000400-00001742"]
        == "sessions-dave_1 0.4 1.742"
    )
    assert read_kv(recipe / "data/dev/wav.scp")["sessions-dave_1"] == str(
        corpus.audio["sessions/dave_1.wav"]
    )
    whole = [u for u, v in segments.items() if v.startswith("audio-erin-q13 0.0 ")]
    assert len(whole) == 1  # the row with empty times spans its whole file
    unlabeled = read_kv(recipe / "data/unlabeled/wav.scp")
    assert sorted(unlabeled) == [
        "2024-batch1-u1",  # u1.flac sorts before u1.wav ...
        "2024-batch1-u1-wav",  # ... which gets its extension appended
        "2024-batch1-u2",
        "2024-batch2-u3",
        "phone-u4",
        "top",
    ]
    assert not any(".hidden" in p or p.endswith(".txt") for p in unlabeled.values())
    assert (
        read_kv(recipe / "data/unlabeled/utt2spk")["top"] == "top"
    )  # top level: its own speaker
    assert (recipe / "data/local/lm_train.txt").read_text().splitlines() == [
        "weather in london",
        "call dad",
        "play some rock music",
    ]


# ---- errors name the file and line ------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def prepare(
    tmp_path: Path, corpus: VoicesearchFixture, train: Path, drop_bad: bool = False
) -> Dict:
    return prepare_data_dirs(
        tmp_path / "data", train, corpus.test_dir, drop_bad=drop_bad
    )


ERROR_CASES = {
    "missing column": (
        "bad.csv",
        "path,text\naudio/alice/q01.wav,call mom\n",
        1,
        "missing column(s) speaker",
    ),
    "missing field": (
        "bad.jsonl",
        '{"path": "audio/alice/q01.wav", "text": "a", "speaker": "s"}\n{"path": "audio/alice/q02.flac", "text": "b"}\n',
        2,
        "no speaker field",
    ),
    "empty text": (
        "bad.csv",
        "path,text,speaker\naudio/alice/q01.wav,call mom,a\naudio/alice/q02.flac,  ,a\n",
        3,
        "empty text",
    ),
    "no such audio": (
        "bad.csv",
        "path,text,speaker\nnope/q99.wav,call mom,a\n",
        2,
        "audio 'nope/q99.wav' does not exist",
    ),
    "duplicate id": (
        "bad.csv",
        "id,path,text,speaker\nx1,audio/alice/q01.wav,a,s\nx1,audio/alice/q02.flac,b,s\n",
        3,
        "duplicate id 'x1' (first at",
    ),
    "same audio twice": (
        "bad.csv",
        "path,text,speaker\naudio/alice/q01.wav,a,s\naudio/alice/q02.flac,b,s\naudio/alice/q01.wav,c,s\n",
        4,
        "duplicate of",
    ),
    "start >= end": (
        "bad.jsonl",
        '{"path": "sessions/dave_1.wav", "text": "a", "speaker": "d", "start": 2.0, "end": 1.5}\n',
        1,
        "start 2 >= end 1.5",
    ),
    "end past the recording": (
        "bad.jsonl",
        '{"path": "sessions/dave_1.wav", "text": "a", "speaker": "d", "start": 0, "end": 1742}\n',
        1,
        "is past the end of",
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_bad_manifest_row_is_an_error_naming_file_and_line(
    case: str, corpus: VoicesearchFixture, tmp_path: Path
) -> None:
    name, text, line, message = ERROR_CASES[case]
    manifest = write(corpus.root / f"{case.replace(' ', '_')}_{name}", text)
    with pytest.raises(CorpusError) as err:
        prepare(tmp_path, corpus, manifest)
    assert f"{manifest}:{line}: " in str(err.value) and message in str(err.value), str(
        err.value
    )
    assert not (tmp_path / "data/train").exists()


def test_drop_bad_skips_bad_rows_counted(
    corpus: VoicesearchFixture, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    manifest = write(
        corpus.root / "mixed.csv",
        "path,text,speaker\naudio/alice/q01.wav,call mom,a\naudio/alice/q02.flac,,a\n"
        'nope.wav,x,b\n"audio/bob/q04.wav","two\nlines, one text",b\naudio/alice/q01.wav,again,a\n',
    )
    summaries = prepare(tmp_path, corpus, manifest, drop_bad=True)
    assert summaries["train"].utterances == 2 and summaries["train"].skipped == 3
    assert read_kv(tmp_path / "data/train/text") == {
        "a-alice-q01": "call mom",
        "b-bob-q04": "two lines one text",  # the written convention (--text_norm written)
    }
    assert (
        f"{manifest}:3: empty text" in caplog.text
        and f"{manifest}:7: duplicate of {manifest}:2" in caplog.text
    )


def test_bad_kaldi_dir_names_file_and_line(
    corpus: VoicesearchFixture, tmp_path: Path
) -> None:
    bad = tmp_path / "kaldi_bad"
    shutil.copytree(corpus.test_dir, bad)
    lines = (bad / "wav.scp").read_text().splitlines()
    lines[1] = lines[1].split()[0] + " /no/such/file.wav"
    write(bad / "wav.scp", "\n".join(lines) + "\n")
    write(bad / "utt2spk", (bad / "utt2spk").read_text() + "grace-q16 grace\n")
    with pytest.raises(CorpusError) as err:
        prepare_data_dirs(tmp_path / "data", bad, corpus.dev_jsonl)
    assert f"{bad / 'wav.scp'}:2: audio '/no/such/file.wav' does not exist" in str(
        err.value
    )
    assert f"{bad / 'utt2spk'}:4: duplicate id 'grace-q16' (first at line 3)" in str(
        err.value
    )
    summaries = prepare_data_dirs(
        tmp_path / "data", bad, corpus.dev_jsonl, drop_bad=True
    )
    assert (
        summaries["train"].utterances == 1
    )  # frank-q15 (no audio) and grace-q16 (duplicate) dropped


def test_local_data_sh_needs_one_form_per_set(
    recipe: Path, corpus: VoicesearchFixture
) -> None:
    both = run(
        [
            "local/data.sh",
            "--train_dir",
            str(corpus.test_dir),
            "--train_manifest",
            str(corpus.train_csv),
        ],
        recipe,
    )
    assert (
        both.returncode == 2
        and "give --train_dir or --train_manifest, not both" in both.stderr
    )
    bad = run(
        [
            "local/data.sh",
            "--train_manifest",
            str(corpus.root / "missing_column_bad.csv"),
            "--dev_dir",
            str(corpus.test_dir),
        ],
        recipe,
    )
    assert (
        bad.returncode == 1
        and "missing_column_bad.csv:1: missing column(s) speaker" in bad.stderr
    )


def test_test_sets_listed_with_commas_through_run_sh(
    corpus: VoicesearchFixture, tmp_path: Path
) -> None:
    """run.sh's --local_data_opts is split at spaces: lists of test sets are written with commas."""
    other = write(
        corpus.root / "test_other.csv",
        "path,text,speaker\naudio/grace/q16.wav,convert ten miles to kilometers,zed\n",
    )
    more = write(
        corpus.root / "test_more.jsonl",
        '{"path": "audio/frank/q15.wav", "text": "who won the game last night", "speaker": "yan"}\n',
    )
    target = make_recipe(tmp_path / "asr1")
    opts = (
        f"--train_manifest {corpus.train_csv} --dev_manifest {corpus.dev_jsonl} "
        f"--test_dirs {corpus.test_dir} --test_manifests {other},{more}"
    )
    result = run(
        [
            *STAGE_10,
            "--local_data_opts",
            opts,
            "--test_sets",
            "test test_other test_more",
            *TINY,
        ],
        target,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert read_kv(target / "data/test_other/utt2spk") == {"zed-q16": "zed"}
    assert read_kv(target / "data/test_more/utt2spk") == {"yan-q15": "yan"}
    assert len(read_kv(target / "data/test/utt2spk")) == 3


def test_written_transcripts_are_normalized_so_wer_counts_words(
    corpus: VoicesearchFixture, tmp_path: Path
) -> None:
    """Issue 23: bring-your-own transcripts were kept verbatim, so WER counted case and commas."""
    rows = [
        ("audio/alice/q01.wav", "Weather in Paris, TOMORROW?"),
        ("audio/alice/q02.flac", "Pizza for $25 at 7:30"),
        ("audio/bob/q04.wav", "?!"),
    ]
    manifest = write(
        corpus.root / "written.csv",
        "path,text,speaker\n" + "".join(f'{p},"{t}",spk\n' for p, t in rows),
    )
    with pytest.raises(CorpusError, match=r"1 transcript\(s\) have no word left.*q04"):
        prepare_data_dirs(tmp_path / "a", manifest, corpus.dev_jsonl)
    prepare_data_dirs(tmp_path / "b", manifest, corpus.dev_jsonl, drop_bad=True)
    assert sorted(read_kv(tmp_path / "b/train/text").values()) == [
        "pizza for twenty five dollars at seven thirty",
        "weather in paris tomorrow",
    ]
    assert (
        json.loads((tmp_path / "b/local/prepare_summary.json").read_text())["train"][
            "skipped"
        ]
        == 1
    )
    prepare_data_dirs(tmp_path / "c", manifest, corpus.dev_jsonl, text_norm="verbatim")
    assert "Weather in Paris, TOMORROW?" in read_kv(tmp_path / "c/train/text").values()


def test_unlabeled_manifest_text_is_kept_aside(
    corpus: VoicesearchFixture, tmp_path: Path
) -> None:
    manifest = write(
        corpus.root / "unlabeled.jsonl",
        '{"path": "untranscribed/top.wav", "text": "read my new emails"}\n'
        '{"path": "untranscribed/phone/u4.wav"}\n',
    )
    prepare_data_dirs(
        tmp_path / "data",
        corpus.train_csv,
        corpus.dev_jsonl,
        unlabeled_manifest=manifest,
    )
    assert not (tmp_path / "data/unlabeled/text").exists()
    assert read_kv(tmp_path / "data/unlabeled/utt2spk") == {
        "phone-u4": "phone",
        "top": "top",
    }
    assert read_kv(tmp_path / "data/local/unlabeled_reference/text") == {
        "top": "read my new emails"
    }


# ---- nested fractions --------------------------------------------------------------------------------


def test_nested_fractions_and_nst_pools(recipe: Path, tmp_path: Path) -> None:
    source = recipe / "dump/raw/train"
    out = tmp_path / "data"
    counts = write_nested_subsets(
        source, out, ["25", "50", "100"], seed=3, name="train"
    )
    assert [counts[f"train_p{f}"]["labeled"] for f in (25, 50, 100)] == [2, 4, 8]
    sets = {f: set(read_kv(out / f"train_p{f}" / "utt2spk")) for f in (25, 50, 100)}
    assert sets[25] < sets[50] < sets[100] == set(read_kv(source / "utt2spk"))
    rest = set(read_kv(out / "train_p50_rest/utt2spk"))
    assert rest == sets[100] - sets[50] and not (out / "train_p50_rest/text").exists()
    assert read_kv(out / "local/train_p50_nst_reference/text") == {
        u: t for u, t in read_kv(source / "text").items() if u in rest
    }
    assert not (out / "train_p100_rest").exists()
    # with unlabeled audio that has no transcripts, the pool has no complete reference
    write_nested_subsets(
        source, out, ["50"], seed=3, pool_dirs=[recipe / "data/unlabeled"], name="train"
    )
    assert set(read_kv(out / "train_p50/utt2spk")) == sets[50]  # same seed, same cut
    assert not (out / "local/train_p50_nst_reference/text").exists()
    with pytest.raises(CorpusError, match="percentage"):
        write_nested_subsets(source, out, ["0"], name="train")


# ---- configs -------------------------------------------------------------------------------------------


def _conf(path: Path) -> Dict:
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize(
    "asr,ssl",
    [
        (
            "train_asr_conformer_xl_rnnt.yaml",
            REPO / "egs/TEMPLATE/asr1/conf/ssl/pretrain_xl.yaml",
        ),
        (
            "train_student_conformer_xl_rnnt.yaml",
            REPO / "egs/TEMPLATE/asr1/conf/ssl/pretrain_xl.yaml",
        ),
        ("train_asr_mini_ctc.yaml", RECIPE / "conf/ssl/pretrain_mini.yaml"),
        ("train_student_mini_ctc.yaml", RECIPE / "conf/ssl/pretrain_mini.yaml"),
    ],
)
def test_fine_tuning_configs_take_the_pretrained_encoder_as_it_is(
    asr: str, ssl: Path
) -> None:
    fine, pre = _conf(RECIPE / "conf" / asr), _conf(ssl)
    for key in ("frontend", "frontend_conf", "encoder", "encoder_conf"):
        assert fine[key] == pre[key], key


# ---- the data-efficiency study, end to end ---------------------------------------------------------------

STUDY = [
    "--fractions",
    "50",
    "--nst_fractions",
    "50",
    "--test_sets",
    "test",
    "--full_epochs",
    "1",
    "--asr_config",
    "conf/train_asr_mini_ctc.yaml",
    "--inference_config",
    "conf/decode_ctc.yaml",
    "--inference_model",
    "valid.cer_ctc.ave.pth",
    "--student_config",
    "conf/train_student_mini_ctc.yaml",
    "--pretrain_config",
    "conf/ssl/pretrain_mini.yaml",
    "--pretrain_args",
    "--max_epoch 1",
    "--asr_args",
    "--max_epoch 1",
    "--nst_student_args",
    "--max_epoch 1",
    "--run_opts",
    "--nbpe 32",
]


@pytest.fixture(scope="module")
def study(recipe: Path, corpus: VoicesearchFixture) -> subprocess.CompletedProcess:
    result = run(
        ["./run_study.sh", "--local_data_opts", corpus.data_opts(), *STUDY],
        recipe,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


def test_study_scores_every_system_and_writes_results(
    recipe: Path, study: subprocess.CompletedProcess
) -> None:
    decode = "decode_decode_ctc_valid.cer_ctc.ave"
    for exp in ("asr_study_scratch_p50", "asr_study_pre_p50", "nst_iter1_p50"):
        row = json.loads(
            (recipe / "exp" / exp / decode / "test/score_wer/result.json").read_text()
        )
        assert row["Snt"] == 3 and row["Wrd"] == 16, exp
    text = (recipe / "RESULTS.md").read_text()
    assert "./run_study.sh --local_data_opts" in text.split("## Commands", 1)[1][:400]
    for title in (
        "## Labeled data vs error: from scratch and pretrained",
        "## Noisy Student Training over its pretrained teacher",
        "## BigSSL's claims on this corpus",
    ):
        assert title in text
    assert "| 50 % (4 utts," in text
    log = (recipe / "exp/asr_study_pre_p50/train.log").read_text()
    assert (
        "Loading pretrained params from exp/ssl_iter1/valid.loss.ave.pth:encoder:encoder"
        in log
    )


def test_study_data_is_nested_pretrains_on_all_audio_and_pseudo_labels_the_rest(
    recipe: Path, corpus: VoicesearchFixture, study: subprocess.CompletedProcess
) -> None:
    labeled = set(read_kv(recipe / "dump/raw/train_p50/utt2spk"))
    rest = set(read_kv(recipe / "dump/raw/train_p50_rest/utt2spk"))
    unlabeled = set(read_kv(recipe / "dump/raw/unlabeled/utt2spk"))
    assert len(labeled) == 4 and labeled | rest == set(
        read_kv(recipe / "dump/raw/train/utt2spk")
    )
    assert (
        set(read_kv(recipe / "dump/raw/ssl_train/utt2spk"))
        == labeled | rest | unlabeled
    )
    assert seconds_of_dump(recipe, recipe / "dump/raw/unlabeled") == pytest.approx(
        corpus.expected["unlabeled"].seconds, abs=len(unlabeled) / 8000
    )
    assert set(read_kv(recipe / "dump/raw/train_p50_nst/wav.scp")) == rest | unlabeled
    pseudo = read_kv(recipe / "exp/nst_iter1_p50/pseudo/text")
    assert set(pseudo) == rest | unlabeled
    # the dumped audio of train was reused: the fraction's data dirs point at it
    assert set(read_kv(recipe / "data/train_p50/wav.scp").values()) <= set(
        read_kv(recipe / "dump/raw/train/wav.scp").values()
    )


def test_study_rerun_retrains_nothing(
    recipe: Path, corpus: VoicesearchFixture, study: subprocess.CompletedProcess
) -> None:
    models = [
        recipe / "exp/ssl_iter1/valid.loss.ave.pth",
        recipe / "exp/asr_study_scratch_p50/valid.cer_ctc.ave.pth",
        recipe / "exp/asr_study_pre_p50/valid.cer_ctc.ave.pth",
        recipe / "exp/nst_iter1_p50/valid.cer_ctc.ave.pth",
    ]
    before = [m.stat().st_mtime_ns for m in models]
    again = run(
        ["./run_study.sh", "--local_data_opts", corpus.data_opts(), *STUDY], recipe
    )
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert [m.stat().st_mtime_ns for m in models] == before
    assert (
        "training exp/" not in again.stdout
        and "pretraining iteration" not in again.stdout
    )
