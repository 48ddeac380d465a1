"""The NOSS recipe (egs/noss/probe1) on tiny corpora in the real release layouts.

Each task's data preparation must give exactly the fixture's utterances per split and class
(tests/recipes/noss_fixture.py works them out from the fixture itself), as plain 16 kHz mono files
(VoxForge's 48 kHz archives and SAVEE's 44.1 kHz WAVs resampled, Speech Commands' silence cut from
the background noise); every missing corpus and malformed list line is named; and run.sh goes from
the corpora to probes.json and RESULTS.md with a tiny random-weight encoder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import soundfile

from bigssl.data.corpora.noss import CorpusError, format_task, group_splits
from bigssl.data.corpora.noss_speech_commands import silence_clips
from bigssl.data.corpora.noss_tasks import TASKS, prepare_task
from bigssl.espnet_compat import quiet_espnet_imports
from bigssl.io_utils import read_kv
from tests.conftest import REPO, run_command, save_tiny_ssl_exp
from tests.integration.recipe_helpers import ENV
from tests.integration.recipe_helpers import make_recipe as make_recipe_from
from tests.recipes.noss_fixture import (
    SC_NOISES,
    NossFixture,
    build_noss_corpora,
    expected_silence,
    tfds_group_splits,
)

RECIPE = REPO / "egs/noss/probe1"
SPLITS = ("train", "dev", "test")
WHERE = {  # a piece of each corpus's "obtained from" in its errors
    "voxceleb1": "robots.ox.ac.uk/~vgg/data/voxceleb",
    "voxforge": "voxforge_urls.txt",
    "speech_commands": "speech_commands_v0.02.tar.gz",
    "crema_d": "github.com/CheyneyComputerScience/CREMA-D",
    "asvspoof2019_la": "datashare.ed.ac.uk/handle/10283/3336",
    "savee": "kahlan.eps.surrey.ac.uk/savee",
}
ROOT_OPTIONS = {
    "voxceleb1": "--voxceleb1_root",
    "voxforge": "--voxforge_root",
    "speech_commands": "--speech_commands_root",
    "crema_d": "--crema_d_root",
    "asvspoof2019_la": "--asvspoof2019_root",
    "savee": "--savee_root",
}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> NossFixture:
    return build_noss_corpora(tmp_path_factory.mktemp("noss_corpora"))


def prepare(fx_root: Path, task: str, out: Path, **options) -> Dict[str, object]:  # type: ignore[no-untyped-def]
    """List and format one task under ``out``; returns its task.json."""
    drop_bad = options.pop("drop_bad", False)
    prepare_task(task, fx_root, out / "listing", drop_bad=drop_bad, **options)
    return format_task(
        out / "listing", task, out / "data", out / "dump", 16000, drop_bad
    )


@pytest.fixture(scope="module")
def prepared(corpora: NossFixture, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("noss_prepared")
    for task in TASKS:
        prepare(corpora.roots[task], task, out)
    return out / "data"


def label_counts(task_dir: Path) -> Dict[str, Dict[str, int]]:
    return {
        s: dict(Counter(read_kv(task_dir / s / "utt2label").values())) for s in SPLITS
    }


# ---- data preparation: exact counts, probe-ready dirs -------------------------------------------


@pytest.mark.parametrize("task", TASKS)
def test_each_task_has_the_fixtures_utterances_per_split_and_class(
    prepared: Path, corpora: NossFixture, task: str
) -> None:
    assert label_counts(prepared / task) == corpora.expected[task]
    info = json.loads((prepared / task / "task.json").read_text())
    assert info["counts"] == corpora.expected[task] and info["dropped"] == 0
    assert info["kind"] == "classification"
    assert info["classes"] == sorted(
        {c for split in corpora.expected[task].values() for c in split}
    )


@pytest.mark.parametrize("task", TASKS)
def test_task_dirs_hold_plain_16k_mono_files_in_sorted_kaldi_files(
    prepared: Path, corpora: NossFixture, task: str
) -> None:
    for split in SPLITS:
        d = prepared / task / split
        tables = {
            n: read_kv(d / n, one_token=True)
            for n in ("wav.scp", "utt2label", "utt2spk")
        }
        assert (
            set(tables["wav.scp"]) == set(tables["utt2label"]) == set(tables["utt2spk"])
        )
        for name in tables:
            keys = [line.split(" ", 1)[0].encode() for line in (d / name).open()]
            assert keys == sorted(keys), (task, split, name)
        for utt, path in tables["wav.scp"].items():
            info = soundfile.info(path)
            assert (info.samplerate, info.channels) == (16000, 1), path
            assert info.format in ("WAV", "FLAC")
            expected = 1.0 if utt.startswith("silence-") else corpora.seconds[task]
            assert abs(info.frames - 16000 * expected) <= 1, (utt, info.frames)


def test_resampled_corpora_are_dumped_and_the_others_used_in_place(
    prepared: Path, corpora: NossFixture
) -> None:
    dumped = prepared.parent / "dump"
    for task in ("voxforge", "savee"):  # 48 kHz in archives, 44.1 kHz WAV
        for path in read_kv(prepared / task / "train" / "wav.scp").values():
            assert Path(path).is_relative_to(dumped / task) and path.endswith(".flac")
    for task in ("voxceleb1", "crema_d", "asvspoof2019_la"):
        for path in read_kv(prepared / task / "test" / "wav.scp").values():
            assert Path(path).is_relative_to(corpora.roots[task])
    words = read_kv(prepared / "speech_commands" / "dev" / "wav.scp")
    assert all(
        Path(p).is_relative_to(corpora.roots["speech_commands"])
        for u, p in words.items()
        if not u.startswith("silence-")
    )


def test_speakers_are_the_corpus_speakers(prepared: Path, corpora: NossFixture) -> None:
    for task in ("voxceleb1", "speech_commands", "asvspoof2019_la"):
        found: Dict[str, str] = {}
        for split in SPLITS:
            found.update(read_kv(prepared / task / split / "utt2spk"))
        words = {u: s for u, s in found.items() if not u.startswith("silence-")}
        assert words == corpora.speakers[task]


@pytest.mark.parametrize("task", ["voxforge", "crema_d", "savee"])
def test_speaker_disjoint_splits(prepared: Path, task: str) -> None:
    speakers = [set(read_kv(prepared / task / s / "utt2spk").values()) for s in SPLITS]
    assert all(speakers) and not (speakers[0] & speakers[1])
    assert not (speakers[0] & speakers[2]) and not (speakers[1] & speakers[2])


def test_voxforge_groups_a_speakers_submissions_across_languages(
    prepared: Path,
) -> None:
    """As TFDS: the speaker is the archive name up to '-', so both 'anonymous' archives (de, fr)
    land in one split."""
    where = {
        s: {
            u.split("-")[0]
            for u in read_kv(prepared / "voxforge" / s / "utt2label")
            if "-anonymous-" in u
        }
        for s in SPLITS
    }
    assert [s for s in SPLITS if where[s] == {"de", "fr"}] and sum(
        map(len, where.values())
    ) == 2


def test_speech_commands_official_test_set_replaces_the_testing_list(
    corpora: NossFixture, tmp_path: Path
) -> None:
    info = prepare(
        corpora.roots["speech_commands"],
        "speech_commands",
        tmp_path,
        test_root=corpora.speech_commands_test_root,
    )
    assert info["counts"] == corpora.expected["speech_commands+test_set"]
    test_files = read_kv(tmp_path / "data/speech_commands/test/wav.scp").values()
    assert all(
        Path(p).is_relative_to(corpora.speech_commands_test_root) for p in test_files
    )


@pytest.mark.parametrize("seconds", [10.0, 12.0, 61.5, 3.0])
def test_silence_clips_stay_inside_their_part(seconds: float) -> None:
    frames = int(seconds * 16000)
    for split, first, last in (
        ("train", 0, 0.8),
        ("dev", 0.8, 0.9),
        ("test", 0.9, 1.0),
    ):
        clips = silence_clips(frames, 16000, first, last)
        assert len(clips) == expected_silence(seconds).get(split, 0)
        assert all(end - start == 1.0 and start % 0.5 == 0 for start, end in clips)
        assert all(first * seconds <= s and e <= last * seconds for s, e in clips)
    assert sum(expected_silence(s)["train"] for s in SC_NOISES.values()) == 33


def test_group_splits_is_tfds_rule_and_refuses_an_empty_split() -> None:
    fractions = (("train", 0.7), ("dev", 0.1), ("test", 0.2))
    actors = [str(1001 + i) for i in range(91)]  # CREMA-D's actors
    assert group_splits(actors, fractions) == tfds_group_splits(actors, fractions)
    assert Counter(group_splits(actors, fractions).values()) == {
        "train": 63,
        "dev": 9,
        "test": 19,
    }
    with pytest.raises(CorpusError, match="leave the dev split empty"):
        group_splits([str(i) for i in range(5)], fractions)  # 0.7 + 0.1 < 0.8, as TFDS


# ---- errors: missing corpora, malformed lines, bad audio ----------------------------------------


@pytest.mark.parametrize("task", TASKS)
def test_a_missing_corpus_names_the_path_and_where_to_get_it(
    task: str, tmp_path: Path
) -> None:
    with pytest.raises(CorpusError) as err:
        prepare_task(task, tmp_path / "nowhere", tmp_path / "listing")
    assert str(tmp_path / "nowhere") in str(err.value) and WHERE[task] in str(err.value)


def _copy(corpora: NossFixture, task: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(corpora.roots[task], tmp_path / task))


def test_missing_files_of_a_corpus_are_named(
    corpora: NossFixture, tmp_path: Path
) -> None:
    vox = _copy(corpora, "voxceleb1", tmp_path)
    (vox / "iden_split.txt").unlink()
    with pytest.raises(CorpusError, match="iden_split.txt.*meta/iden_split.txt"):
        prepare_task("voxceleb1", vox, tmp_path / "listing")
    sc = _copy(corpora, "speech_commands", tmp_path)
    shutil.rmtree(sc / "_background_noise_")
    with pytest.raises(CorpusError, match="_background_noise_: no such directory"):
        prepare_task("speech_commands", sc, tmp_path / "listing")
    asv = _copy(corpora, "asvspoof2019_la", tmp_path)
    shutil.rmtree(asv / "LA/ASVspoof2019_LA_dev")
    with pytest.raises(
        CorpusError, match="ASVspoof2019_LA_dev/flac: no such directory"
    ):
        prepare_task("asvspoof2019_la", asv, tmp_path / "listing")


def test_audio_missing_for_a_listed_utterance_is_named_or_skipped(
    corpora: NossFixture, tmp_path: Path
) -> None:
    vox = _copy(corpora, "voxceleb1", tmp_path)
    shutil.rmtree(vox / "wav" / "id10270")
    with pytest.raises(CorpusError) as err:
        prepare_task("voxceleb1", vox, tmp_path / "listing")
    message = str(err.value)
    assert "5 problem(s)" in message and f"{vox / 'iden_split.txt'}:11:" in message
    assert "vox1_test_wav.zip" in message and "--drop_bad true" in message
    info = prepare(vox, "voxceleb1", tmp_path, drop_bad=True)
    assert info["counts"] == {
        s: {k: v for k, v in c.items() if k != "id10270"}
        for s, c in corpora.expected["voxceleb1"].items()
    }


def test_the_s3prl_layout_of_voxceleb1_is_read_too(
    corpora: NossFixture, tmp_path: Path
) -> None:
    """Each zip extracted into its own folder: dev/wav/ and test/wav/."""
    vox = _copy(corpora, "voxceleb1", tmp_path)
    (vox / "test/wav").mkdir(parents=True)
    (vox / "wav/id10270").rename(vox / "test/wav/id10270")
    (vox / "dev").mkdir()
    (vox / "wav").rename(vox / "dev/wav")
    assert (
        prepare(vox, "voxceleb1", tmp_path)["counts"] == corpora.expected["voxceleb1"]
    )


@pytest.mark.parametrize(
    "task, relative, line, bad, droppable",
    [
        (
            "asvspoof2019_la",
            "LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.dev.trl.txt",
            2,
            "LA_0069 LA_D_1000137 - A03 fake\n",
            True,
        ),
        ("voxceleb1", "iden_split.txt", 4, "4 id10001/vid-01_1x/00004.wav\n", True),
        # skipping a split list's line would move its file into train: never dropped
        (
            "speech_commands",
            "validation_list.txt",
            3,
            "up\\0201beef_nohash_1.wav\n",
            False,
        ),
    ],
)
def test_a_malformed_list_line_is_named_with_file_and_line(
    corpora: NossFixture,
    tmp_path: Path,
    task: str,
    relative: str,
    line: int,
    bad: str,
    droppable: bool,
) -> None:
    root = _copy(corpora, task, tmp_path)
    lines = (root / relative).read_text().splitlines(keepends=True)
    lines[line - 1] = bad
    (root / relative).write_text("".join(lines))
    with pytest.raises(CorpusError, match=f"{root / relative}:{line}: expected"):
        prepare_task(task, root, tmp_path / "listing")
    if not droppable:
        with pytest.raises(CorpusError, match=f"{root / relative}:{line}: expected"):
            prepare_task(task, root, tmp_path / "listing", drop_bad=True)
        return
    info = prepare(root, task, tmp_path, drop_bad=True)
    total = sum(sum(c.values()) for c in corpora.expected[task].values())
    assert sum(sum(c.values()) for c in info["counts"].values()) == total - 1


def test_a_misnamed_crema_d_clip_is_named(corpora: NossFixture, tmp_path: Path) -> None:
    root = _copy(corpora, "crema_d", tmp_path)
    (root / "AudioWAV/1001_DFA_ANG_XX.wav").rename(
        root / "AudioWAV/1001_DFA_XYZ_XX.wav"
    )
    with pytest.raises(CorpusError, match="1001_DFA_XYZ_XX.wav: expected <actor>"):
        prepare_task("crema_d", root, tmp_path / "listing")


def test_unreadable_audio_stops_formatting_or_is_dropped(
    corpora: NossFixture, tmp_path: Path
) -> None:
    root = _copy(corpora, "savee", tmp_path)
    (root / "AudioData/DC/h01.wav").write_bytes(b"")  # an empty file
    (root / "AudioData/JE/n01.wav").write_bytes(b"RIFF0000WAVEjunk")  # a broken header
    prepare_task("savee", root, tmp_path / "listing")
    with pytest.raises(CorpusError, match="2 utterance\\(s\\) unusable") as err:
        format_task(tmp_path / "listing", "savee", tmp_path / "data", tmp_path / "dump")
    assert "DC-h01" in str(err.value) and "JE-n01" in str(err.value)
    info = format_task(
        tmp_path / "listing",
        "savee",
        tmp_path / "data",
        tmp_path / "dump",
        drop_bad=True,
    )
    assert (
        info["dropped"] == 2
        and sum(sum(c.values()) for c in info["counts"].values()) == 26
    )
    dropped = "".join(
        (tmp_path / "data/savee" / s / "dropped_utts").read_text()
        for s in SPLITS
        if (tmp_path / "data/savee" / s / "dropped_utts").exists()
    )
    assert "DC-h01" in dropped and "JE-n01" in dropped


def test_restricted_and_unknown_tasks_say_why(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="TalkBank members"):
        prepare_task("dementiabank", tmp_path, tmp_path / "listing")
    with pytest.raises(CorpusError, match="unknown task 'nope'.*crema_d"):
        prepare_task("nope", tmp_path, tmp_path / "listing")


def test_cli_and_data_sh_name_the_missing_corpus(tmp_path: Path) -> None:
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "bigssl.bin.prepare",
            "noss",
            "--task",
            "crema_d",
            "--root",
            str(tmp_path / "nowhere"),
            "--listing_dir",
            str(tmp_path / "l"),
        ],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert cli.returncode == 1 and "Traceback" not in cli.stderr
    assert str(tmp_path / "nowhere") in cli.stderr and WHERE["crema_d"] in cli.stderr
    shell = subprocess.run(
        ["local/data.sh", "--tasks", "crema_d savee", "--crema_d_root", ""],
        cwd=RECIPE,
        capture_output=True,
        text=True,
        env={**ENV, "CREMA_D": ""},
        timeout=120,
    )
    assert shell.returncode == 2 and "task crema_d needs --crema_d_root" in shell.stderr


# ---- the recipe end to end ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ssl_exp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exp dir as pretraining leaves it (config.yaml + checkpoint of a 2-block Conformer)."""
    quiet_espnet_imports()
    # not the control's seed (0): the two encoders differ
    return save_tiny_ssl_exp(tmp_path_factory.mktemp("ssl_exp"), seed=123)


def _run_sh(recipe: Path, *args: str) -> subprocess.CompletedProcess:
    return run_command(["./run.sh", *args], cwd=recipe, timeout=600, env=ENV)


def test_run_sh_prepares_probes_and_writes_results(
    corpora: NossFixture, ssl_exp: Path, tmp_path: Path
) -> None:
    recipe = tmp_path / "noss" / "probe1"
    make_recipe_from(recipe, RECIPE)
    roots: List[str] = []
    for task, option in ROOT_OPTIONS.items():
        roots += [option, str(corpora.roots[task])]
    encoders = f"pretrained={ssl_exp} random={ssl_exp}:random"
    result = _run_sh(recipe, *roots, "--encoders", encoders, "--control", "random")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    for task in TASKS:
        assert label_counts(recipe / "data/noss" / task) == corpora.expected[task]
    summary = json.loads((recipe / "exp/noss/probes.json").read_text())
    assert sorted((r["task"], r["encoder"]) for r in summary["results"]) == sorted(
        (t, e) for t in TASKS for e in ("pretrained", "random")
    )
    assert all(
        len(r["layers"]) == 3 for r in summary["results"]
    )  # projection + 2 blocks
    pretrained = np.load(recipe / "exp/noss/emb/pretrained/crema_d/test/layer2.npy")
    random = np.load(recipe / "exp/noss/emb/random/crema_d/test/layer2.npy")
    assert pretrained.shape == (12, 288) and not np.allclose(pretrained, random)
    results = (recipe / "RESULTS.md").read_text()
    assert "## NOSS data" in results and "| savee | SAVEE | 7 | 14 (" in results
    assert "| speech_commands | accuracy | pretrained |" in results
    assert "Value of training" in results and "--control random" in results
    assert (recipe / "figures/noss_layers.png").stat().st_size > 1000

    again = _run_sh(recipe, *roots, "--stop_stage", "20")
    assert again.returncode == 0, again.stderr[-2000:]
    assert (
        again.stdout.count("already listed") == 6
        and again.stdout.count("already formatted") == 6
    )


def test_scripts_check_their_options_before_any_work(tmp_path: Path) -> None:
    def run(*cmd: str) -> subprocess.CompletedProcess:
        return run_command(cmd, cwd=RECIPE, timeout=120, env=ENV)

    manual = run(
        "local/download.sh", "--target_dir", str(tmp_path), "--corpora", "voxceleb1"
    )
    assert (
        manual.returncode == 1 and "robots.ox.ac.uk/~vgg/data/voxceleb" in manual.stderr
    )
    unknown = run(
        "local/download.sh", "--target_dir", str(tmp_path), "--corpora", "timit"
    )
    assert unknown.returncode == 2 and "unknown corpus 'timit'" in unknown.stderr
    assert not any(tmp_path.iterdir())  # nothing fetched or created
    no_encoder = run("./run.sh", "--stage", "30")
    assert no_encoder.returncode == 2 and "--encoders is required" in no_encoder.stderr
    bad = run("./run.sh", "--encoders", "just_a_path")
    assert bad.returncode == 2 and "'just_a_path' is not NAME=EXP_DIR" in bad.stderr
    assert not (RECIPE / "data").exists() and not (RECIPE / "exp").exists()
