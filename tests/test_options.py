"""The recipes' option parser (egs/TEMPLATE/asr1/utils/parse_options.sh): options derived from the
defaults block, Kaldi's true/false check, --help, and the wrappers failing before any work."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

from tests.conftest import REPO

TEMPLATE = REPO / "egs/TEMPLATE/asr1"
MINI = REPO / "egs/mini/asr1"
DEMO = REPO / "egs/mini/demo1"
PIPELINE = TEMPLATE / "pipeline.sh"
REQUIRED = [
    "--train_set",
    "tr",
    "--valid_set",
    "dv",
    "--test_sets",
    "t",
    "--asr_config",
    "a.yaml",
    "--inference_config",
    "d.yaml",
]


def _env() -> dict:
    """The repo's venv python first on PATH (path.sh imports bigssl)."""
    return dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )


def _run(cmd: List[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=120, env=_env()
    )


def _pipeline(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return _run(["bash", str(PIPELINE), *args], tmp_path)


def _assert_help_lists_the_defaults(
    result: subprocess.CompletedProcess, script: Path
) -> None:
    """``script --help`` succeeded and listed every default of ``script``, each with its comment."""
    assert result.returncode == 0, result.stderr
    rows = _help_rows(result.stdout)
    assert [(name, comment) for name, _, comment in rows] == _defaults(script)
    assert rows and all(comment for _, _, comment in rows)


def _defaults(script: Path) -> List[Tuple[str, str]]:
    """(name, comment) of the assignments before the parse_options.sh line, read independently."""
    found = []
    for line in script.read_text().splitlines():
        if re.match(r"\s*(\.|source)\s.*parse_options\.sh", line):
            return found
        match = re.match(r"([A-Za-z_]\w*)=.*?\s#\s?(.*)$", line)
        if match:
            found.append((match.group(1), match.group(2)))
    raise AssertionError(f"{script} does not source parse_options.sh")


def _help_rows(stdout: str) -> List[Tuple[str, str, str]]:
    """(name, value, comment) per option row of --help."""
    rows = []
    for line in stdout.splitlines():
        match = re.match(r"  --(\w+) \[(.*?)\]\s+(.*)$", line)
        if match:
            rows.append((match.group(1), match.group(2), match.group(3).rstrip()))
    return rows


# ---- pipeline.sh ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["--drop_bad", "maybe"], ["--drop_bad=yes"], ["--drop-bad", "1"]]
)
def test_boolean_option_takes_only_true_or_false(
    tmp_path: Path, args: List[str]
) -> None:
    result = _pipeline(tmp_path, *REQUIRED, *args)
    assert result.returncode == 2
    value = args[-1].split("=")[-1]
    assert f"option '--drop_bad' takes true or false, not '{value}'" in result.stderr


@pytest.mark.parametrize("value", ["true", "false"])
def test_boolean_option_accepts_true_and_false(tmp_path: Path, value: str) -> None:
    result = _pipeline(tmp_path, "--drop_bad", value, "--help")
    assert result.returncode == 0, result.stderr
    assert ("drop_bad", value) in [
        (name, val) for name, val, _ in _help_rows(result.stdout)
    ]
    assert _pipeline(tmp_path, f"--drop_bad={value}", "--help").returncode == 0


def test_help_lists_every_default_with_its_comment(tmp_path: Path) -> None:
    result = _pipeline(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    defaults = _defaults(PIPELINE)
    assert (
        len(defaults) >= 35
        and defaults[0][0] == "stage"
        and defaults[-1][0] == "dumpdir"
    )
    rows = _help_rows(result.stdout)
    assert [(name, comment) for name, _, comment in rows] == defaults
    assert ("nst_filter_args", "--keep_top_percent 80") in [
        (name, value) for name, value, _ in rows
    ]
    assert "pipeline_dir" not in [name for name, _, _ in rows]


@pytest.mark.parametrize(
    "option",
    ["--HOME", "--PATH", "--pipeline_dir", "--BIGSSL_EXP_COMMAND", "--no_such_option"],
)
def test_only_the_defaults_are_options(tmp_path: Path, option: str) -> None:
    for args in ([option, "/x"], [f"{option}=/x"]):
        result = _pipeline(tmp_path, *REQUIRED, *args)
        assert result.returncode == 2
        assert f"unknown option '{option}'" in result.stderr


def test_equals_form_and_dashes(tmp_path: Path) -> None:
    result = _pipeline(
        tmp_path,
        "--nbpe=77",
        "--stop-stage",
        "5",
        "--asr_args=--max_epoch=3 --x y",
        "--results-title=a b",
        "--help",
    )
    assert result.returncode == 0, result.stderr
    values = {name: value for name, value, _ in _help_rows(result.stdout)}
    assert values["nbpe"] == "77" and values["stop_stage"] == "5"
    assert (
        values["asr_args"] == "--max_epoch=3 --x y" and values["results_title"] == "a b"
    )


def test_missing_value_and_unexpected_argument(tmp_path: Path) -> None:
    result = _pipeline(tmp_path, *REQUIRED, "--stage")
    assert result.returncode == 2 and "option '--stage' needs a value" in result.stderr
    result = _pipeline(tmp_path, *REQUIRED, "extra")
    assert result.returncode == 2 and "unexpected argument 'extra'" in result.stderr


# ---- the parser itself, on a small script ---------------------------------------------------


def test_options_are_the_assignments_before_the_parser(tmp_path: Path) -> None:
    (tmp_path / "utils").symlink_to(TEMPLATE / "utils")
    script = tmp_path / "opts.sh"
    script.write_text(
        "#!/usr/bin/env bash\n"
        "# header=comment is not an option\n"
        "set -euo pipefail\n"
        'alpha="a # b"   # alpha\'s help\n'
        "beta=false  # a boolean\n"
        "gamma=3\n"
        "  indented=1  # not an option: not at the start of a line\n"
        "# commented=1\n"
        ". utils/parse_options.sh\n"
        "late=1  # after the parser: not an option\n"
        'echo "alpha=${alpha} beta=${beta} gamma=${gamma} options=${bigssl_options[*]} args=$*"\n'
    )
    run = lambda *args: _run(["bash", str(script), *args], tmp_path)  # noqa: E731
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert [
        (name, value, comment) for name, value, comment in _help_rows(result.stdout)
    ] == [
        ("alpha", "a # b", "alpha's help"),
        ("beta", "false", "a boolean"),
        ("gamma", "3", ""),
    ]
    result = run("pos1", "--gamma=4", "--beta", "true", "pos2", "--alpha", "x y")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == "alpha=x y beta=true gamma=4 options=alpha beta gamma args=pos1 pos2"
    )
    for bad in ("--indented", "--late", "--commented", "--header", "--a-b"):
        result = run(bad, "1")
        assert (
            result.returncode == 2
            and f"unknown option '--{bad[2:].replace('-', '_')}'" in result.stderr
        )
    result = run("--beta", "no")
    assert (
        result.returncode == 2
        and "option '--beta' takes true or false, not 'no'" in result.stderr
    )


# ---- the wrappers fail before any work ------------------------------------------------------


def _with_recording_stub(recipe: Path, script: str) -> Path:
    """``recipe`` with TEMPLATE's utils/ and path.sh, and ``script`` as a stub that appends
    ``<BIGSSL_TOP_COMMAND>|<its arguments>`` to ``calls`` and exits 3."""
    for name in ("utils", "path.sh"):
        (recipe / name).symlink_to(TEMPLATE / name)
    stub = recipe / script
    stub.write_text(
        '#!/usr/bin/env bash\nprintf "%s|%s\\n" "${BIGSSL_TOP_COMMAND}" "$*" >> calls\nexit 3\n'
    )
    stub.chmod(0o755)
    return recipe


@pytest.fixture()
def recipe(tmp_path: Path) -> Path:
    """The mini wrappers beside a stub ./run.sh that records its calls (and fails)."""
    for name in (
        "run_nst.sh",
        "run_ssl.sh",
        "run_claims.sh",
    ):
        shutil.copy(MINI / name, tmp_path / name)
    (tmp_path / "local").mkdir()
    shutil.copy(MINI / "local/data.sh", tmp_path / "local/data.sh")
    return _with_recording_stub(tmp_path, "run.sh")


@pytest.mark.parametrize(
    "cmd, message",
    [
        (
            ["./run_nst.sh", "--topline", "maybe"],
            "option '--topline' takes true or false, not 'maybe'",
        ),
        (
            ["./run_nst.sh", "--topline=yes"],
            "option '--topline' takes true or false, not 'yes'",
        ),
        (["./run_nst.sh", "--nst_tag", "x"], "unknown option '--nst_tag'"),
        (["./run_nst.sh", "--HOME", "/x"], "unknown option '--HOME'"),
        (
            ["./run_ssl.sh", "--no_such_option", "1"],
            "unknown option '--no_such_option'",
        ),
        (["./run_ssl.sh", "--PATH=/x"], "unknown option '--PATH'"),
        (["./run_ssl.sh", "--labeled_sizes"], "option '--labeled_sizes' needs a value"),
        (["local/data.sh", "--HOME", "/x"], "unknown option '--HOME'"),
        (["./run_claims.sh", "--seedz", "1"], "unknown option '--seedz'"),
        (
            ["./run_claims.sh", "--part", "3"],
            "--part must be 1, 2, all or report, not '3'",
        ),
        (
            ["./run_claims.sh", "--domain_route", "both"],
            "--domain_route must be pretrain or nst, not 'both'",
        ),
        (
            ["./run_claims.sh", "--pretrain_epochs", "1.5"],
            "--pretrain_epochs must be a whole number, not '1.5'",
        ),
        (
            ["./run_claims.sh", "--pretrain_config", "conf/none.yaml"],
            "--pretrain_config conf/none.yaml: no such file",
        ),
        (
            ["./run_claims.sh", "--nst_relabel", "yes"],
            "option '--nst_relabel' takes true or false, not 'yes'",
        ),
        (
            ["./run_claims.sh", "--nst_relabel", "true", "--nst_fresh_audio", "false"],
            "--nst_relabel true needs --nst_fresh_audio true",
        ),
    ],
)
def test_wrappers_reject_bad_options_before_any_work(
    recipe: Path, cmd: List[str], message: str
) -> None:
    result = _run(cmd, recipe)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (recipe / "calls").exists(), "./run.sh was called"


@pytest.mark.parametrize(
    "script",
    [
        "run_nst.sh",
        "run_ssl.sh",
        "run_claims.sh",
        "local/data.sh",
    ],
)
def test_wrappers_help_lists_their_options_with_comments(
    recipe: Path, script: str
) -> None:
    result = _run([f"./{script}" if "/" not in script else script, "--help"], recipe)
    _assert_help_lists_the_defaults(result, recipe / script)


@pytest.mark.parametrize(
    "cmd, top",
    [
        (
            ["./run_nst.sh", "--topline", "false", "--nst_stop_iter", "1"],
            "./run_nst.sh --topline false --nst_stop_iter 1",
        ),
        (["./run_nst.sh"], "./run_nst.sh"),
        (
            ["./run_ssl.sh", "--asr_args", "--max_epoch 1"],
            r"./run_ssl.sh --asr_args --max_epoch\ 1",
        ),
    ],
)
def test_wrappers_with_good_options_reach_run_sh_with_their_command(
    recipe: Path, cmd: List[str], top: str
) -> None:
    result = _run(cmd, recipe)
    assert result.returncode == 3, result.stderr  # the stub's exit status
    recorded_top, args = (recipe / "calls").read_text().splitlines()[0].split("|")
    assert recorded_top == top
    assert args.startswith(
        "--stop_stage 46 --pretrain_config conf/ssl/pretrain_mini.yaml"
    )


def test_claims_part_2_needs_every_seeds_teacher(recipe: Path) -> None:
    (recipe / "exp/asr_claims_pre_p10_s1").mkdir(parents=True)
    (recipe / "exp/asr_claims_pre_p10_s1/.done").touch()
    (recipe / "conf/ssl").mkdir(parents=True)
    (recipe / "conf/ssl/pretrain_mini_gpu.yaml").touch()
    result = _run(["./run_claims.sh", "--part", "2", "--seeds", "1 2"], recipe)
    assert result.returncode == 1
    assert "no teacher exp/asr_claims_pre_p10_s2: run --part 1 first" in result.stdout
    assert not (recipe / "calls").exists()
    (recipe / "exp/asr_claims_pre_p10_s2").mkdir(parents=True)
    (
        recipe / "exp/asr_claims_pre_p10_s2/.done"
    ).touch()  # claim 3 also needs its extra seed
    result = _run(["./run_claims.sh", "--part", "2", "--seeds", "1 2"], recipe)
    assert "no teacher exp/asr_claims_pre_p10_s3: run --part 1 first" in result.stdout
    result = _run(
        [
            "./run_claims.sh",
            "--part",
            "2",
            "--seeds",
            "1 2",
            "--claim3_extra_seeds",
            "",
        ],
        recipe,
    )
    assert "no teacher" not in result.stdout


# ---- every option checked before any work ------------------------------------------------------

REQUIRED = ["--train_set", "t", "--valid_set", "v", "--test_sets", "x"]


def _nst(stop: str = "1", config: str = "s.yaml") -> List[str]:
    """The options NST needs: a last generation, an unlabeled set and a student config."""
    unlabeled = ["--nst_unlabeled_set", "u"]
    return ["--nst_stop_iter", stop, *unlabeled, "--nst_student_config", config]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--stage", "abc"], "--stage must be a non-negative integer, not 'abc'"),
        (["--nst_nj", "-1"], "--nst_nj must be a non-negative integer"),
        (
            ["--stage", "5", "--stop_stage", "2"],
            "--stage 5 is after --stop_stage 2: no stage would run",
        ),
        (
            ["--nst_stop_iter", "1"],
            "needs --nst_unlabeled_set and --nst_student_config",
        ),
        (
            [*_nst(), "--nst_labels", "gold"],
            "--nst_labels must be pseudo or reference, not 'gold'",
        ),
        (
            [*_nst(), "--nst_student_init", "x"],
            "--nst_student_init must be pretrained or teacher",
        ),
        (
            [*_nst(stop="2"), "--nst_grow_data", "yes"],
            "option '--nst_grow_data' takes true or false, not 'yes'",
        ),
        (
            _nst(),
            "--nst_student_config s.yaml: no such file",
        ),
        (
            [*_nst(config="a.yaml"), "--nst_pseudo_from", "exp/nst_iter1"],
            "--nst_pseudo_from exp/nst_iter1: no finished pseudo-labels (exp/nst_iter1/pseudo/.done)",
        ),
        (
            ["--feats_stats", "pool"],
            "--feats_stats must be auto, ssl or train, not 'pool'",
        ),
        ([], "--inference_config i.yaml: no such file"),
    ],
)
def test_bad_options_fail_before_any_stage_runs(
    tmp_path: Path, args: List[str], message: str
) -> None:
    (tmp_path / "a.yaml").write_text("{}\n")
    inference = (
        "a.yaml" if args else "i.yaml"
    )  # only the last case lacks its decode config
    configs = ["--asr_config", "a.yaml", "--inference_config", inference]
    result = _pipeline(tmp_path, *REQUIRED, *configs, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "stage" not in result.stdout  # nothing ran


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    """A recipe made from egs/mini/asr1 by TEMPLATE's setup.sh (nothing run in it yet)."""
    recipe = tmp_path / "r" / "asr1"
    setup = REPO / "egs/TEMPLATE/asr1/setup.sh"
    _run(
        ["bash", str(setup), "--from", str(REPO / "egs/mini/asr1"), str(recipe)],
        tmp_path,
    )
    return recipe


def _broken(recipe: Path, name: str, old: str, new: str) -> str:
    """A copy of conf/NAME in the recipe with OLD replaced by NEW; its path relative to the recipe."""
    text = (recipe / "conf" / name).read_text()
    assert old in text
    (recipe / "conf" / f"broken_{name}").write_text(text.replace(old, new, 1))
    return f"conf/broken_{name}"


@pytest.mark.parametrize(
    "case, message",
    [
        ("yaml", "conf/broken_train_asr_conformer_ctc.yaml: not valid YAML"),
        (
            "encoder_key",
            "encoder_conf: num_blokcs not accepted by --encoder conformer",
        ),
        ("asr_args", "unrecognized arguments: --max_epohc"),
        ("decode_key", "beam_szie not accepted by Speech2Text"),
    ],
)
def test_configs_are_parsed_with_the_runs_overrides_before_any_stage(
    mini: Path, case: str, message: str
) -> None:
    """Issue 23 item 4: each of these surfaced at stage 40/50 after data prep (7292821)."""
    asr = "train_asr_conformer_ctc.yaml"
    if case == "yaml":
        args = [
            "--asr_config",
            _broken(mini, asr, "encoder_conf:", "encoder_conf: ["),
        ]
    elif case == "encoder_key":
        args = ["--asr_config", _broken(mini, asr, "num_blocks:", "num_blokcs:")]
    elif case == "asr_args":
        args = ["--asr_args", "--max_epohc 3"]
    else:
        decode = _broken(mini, "decode_ctc.yaml", "beam_size:", "beam_szie:")
        args = ["--inference_config", decode]
    result = _run(["./run.sh", *args], mini)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "no stage has run" in result.stderr
    assert "stage 10" not in result.stdout and not any((mini / "data").iterdir())
    assert "Traceback" not in result.stderr and "usage:" not in result.stderr


def test_a_passed_config_check_is_remembered(mini: Path) -> None:
    args = ["--stage", "60", "--stop_stage", "60"]
    result = _run(["./run.sh", *args], mini)  # fails later: nothing trained yet
    assert "train it with stage 50" in result.stdout + result.stderr
    assert len(list((mini / "exp/.checked_configs").iterdir())) == 1
    _broken(mini, "decode_ctc.yaml", "beam_size:", "beam_szie:")
    (mini / "conf/decode_ctc.yaml").write_text(
        (mini / "conf/broken_decode_ctc.yaml").read_text()
    )
    result = _run(["./run.sh", *args], mini)  # the edited config is checked again
    assert result.returncode == 2 and "beam_szie" in result.stderr


def test_training_before_its_inputs_names_the_stage_to_run(mini: Path) -> None:
    result = _run(["./run.sh", "--stage", "50", "--stop_stage", "50"], mini)
    assert result.returncode != 0
    assert (
        "no dump/raw/train_labeled/wav.scp: run stage 20 (validate) first"
        in result.stdout
    )
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "stage, message",
    [
        ("60", "train it with stage 50"),
        ("70", "run stage 60"),
    ],
)
def test_decoding_and_scoring_before_their_inputs_name_the_stage_to_run(
    mini: Path, stage: str, message: str
) -> None:
    result = _run(["./run.sh", "--stage", stage, "--stop_stage", stage], mini)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_nst_with_a_set_per_generation_names_the_missing_one(mini: Path) -> None:
    """--nst_unlabeled_set "A B": generation 2 labels B; stage 75 checks every set before any work."""
    (mini / "dump/raw/gen1_audio").mkdir(parents=True)
    (mini / "dump/raw/gen1_audio/wav.scp").write_text("u1 /x.wav\n")
    nst = [
        "--nst_stop_iter",
        "2",
        "--nst_student_config",
        "conf/train_student_ctc.yaml",
    ]
    result = _run(
        ["./run.sh", "--stage", "75", "--stop_stage", "75", *nst]
        + ["--nst_unlabeled_set", "gen1_audio gen2_audio"],
        mini,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no dump/raw/gen2_audio/wav.scp; run stage 20 on gen2_audio" in result.stdout
    assert "gen1_audio/wav.scp" not in result.stdout
    assert not (mini / "exp").exists() or not any((mini / "exp").glob("nst_iter*"))


def test_nst_growing_data_needs_the_earlier_generations_kept_labels(
    mini: Path,
) -> None:
    """--nst_grow_data true: generation 2's student data takes generation 1's data/pseudo too;
    without it the stage stops before building the student's data, naming the dir."""
    (mini / "dump/raw/u").mkdir(parents=True)
    (mini / "dump/raw/u/wav.scp").write_text("u1 /x.wav\n")
    teacher = mini / "exp/nst_iter1"
    teacher.mkdir(parents=True)
    (teacher / "valid.cer_ctc.ave.pth").write_text("")
    for done in ("pseudo", "data/pseudo"):
        (mini / "exp/nst_iter2" / done).mkdir(parents=True)
        (mini / "exp/nst_iter2" / done / ".done").write_text("")
    nst = ["--nst_start_iter", "2", "--nst_stop_iter", "2", "--nst_unlabeled_set", "u"]
    result = _run(
        ["./run.sh", "--stage", "75", "--stop_stage", "75", *nst]
        + ["--nst_student_config", "conf/train_student_ctc.yaml"]
        + ["--nst_grow_data", "true"],
        mini,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "generation 2: --nst_grow_data true needs generation 1's kept pseudo-labels "
        "exp/nst_iter1/data/pseudo; run generation 1 first" in result.stdout
    )
    assert not (mini / "exp/nst_iter2/data/train").exists()


# ---- make demo's recipe (egs/mini/demo1/run.sh) --------------------------------------------


@pytest.fixture()
def demo_recipe(tmp_path: Path) -> Path:
    """The demo's run.sh beside a stub ./pipeline.sh that records its calls (and fails)."""
    shutil.copy(DEMO / "run.sh", tmp_path / "run.sh")
    return _with_recording_stub(tmp_path, "pipeline.sh")


@pytest.mark.parametrize(
    "cmd, message",
    [
        (
            ["--pretrain_steps", "0"],
            "--pretrain_steps must be a positive integer, not '0'",
        ),
        (["--unlabeled_utts", "1e3"], "--unlabeled_utts must be a positive integer"),
        (["--nst_stop_iter", "2"], "unknown option '--nst_stop_iter'"),
        (["extra"], "unexpected argument 'extra'"),
    ],
)
def test_demo_rejects_bad_options_before_any_work(
    demo_recipe: Path, cmd: List[str], message: str
) -> None:
    result = _run(["./run.sh", *cmd], demo_recipe)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (demo_recipe / "calls").exists(), "./pipeline.sh was called"


def test_demo_help_lists_its_options_with_comments(demo_recipe: Path) -> None:
    result = _run(["./run.sh", "--help"], demo_recipe)
    _assert_help_lists_the_defaults(result, demo_recipe / "run.sh")


def test_demo_budget_reaches_the_pipeline(demo_recipe: Path) -> None:
    """4 pretraining epochs of ceil(steps / 4) updates, the schedule annealed over all of them."""
    result = _run(
        ["./run.sh", "--pretrain_steps", "10", "--num_procs", "1"], demo_recipe
    )
    assert (
        result.returncode == 3
    ), result.stderr  # the stub's exit status, at the first call
    top, args = (demo_recipe / "calls").read_text().splitlines()[0].split("|")
    assert top == "./run.sh --pretrain_steps 10 --num_procs 1"
    assert (
        "--train_set train_labeled --valid_set dev" in args and "--num_procs 1 " in args
    )
    assert "--max_epoch 4 --num_iters_per_epoch 3 --scheduler_conf max_steps=12" in args
    assert "--asr_init_ssl_iter 1" in args and args.endswith("--stop_stage 30")
