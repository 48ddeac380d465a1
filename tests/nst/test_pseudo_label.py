"""Pseudo-labeling: CTC confidence, batching, shard assignment, resume after a killed shard, merge checks."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import torch

from bigssl.data.kaldi_dir import load_data_dir
from bigssl.io_utils import read_kv
from bigssl.nst import pseudo_label as pl
from bigssl.nst.confidence import ctc_greedy_with_posteriors, mean_token_posterior
from tests.conftest import PSEUDO_FILES, save_exp, write_wav_dir


def test_ctc_greedy_collapses_runs_and_keeps_the_best_frame_posterior() -> None:
    # frames: a a _ b b _ a  (blank = 0)  -> tokens a b a
    probs = torch.full((1, 7, 3), 0.05)
    best = [(1, 0.6), (1, 0.8), (0, 0.9), (2, 0.7), (2, 0.5), (0, 0.9), (1, 0.4)]
    for t, (token, p) in enumerate(best):
        probs[0, t, token] = p
    ((tokens, posteriors),) = ctc_greedy_with_posteriors(
        probs.log(), torch.tensor([7]), blank_id=0
    )
    assert tokens == [1, 2, 1]
    assert posteriors == pytest.approx([0.8, 0.7, 0.4])
    assert mean_token_posterior(posteriors) == pytest.approx((0.8 + 0.7 + 0.4) / 3)


def test_ctc_greedy_ignores_padded_frames() -> None:
    log_probs = torch.randn(2, 10, 5).log_softmax(-1)
    full = ctc_greedy_with_posteriors(log_probs[:1, :4], torch.tensor([4]))
    padded = ctc_greedy_with_posteriors(log_probs, torch.tensor([4, 10]))
    assert padded[0] == full[0]


def test_confidence_is_in_unit_interval_and_length_normalized() -> None:
    generator = torch.Generator().manual_seed(0)
    log_probs = torch.randn(8, 50, 12, generator=generator).mul(3).log_softmax(-1)
    for tokens, posteriors in ctc_greedy_with_posteriors(
        log_probs, torch.full((8,), 50)
    ):
        confidence = mean_token_posterior(posteriors)
        assert 0.0 <= confidence <= 1.0
        assert len(posteriors) == len(tokens)
    # doubling a hypothesis with the same per-token posteriors keeps its confidence (no length bias)
    assert mean_token_posterior([0.9, 0.5]) == pytest.approx(
        mean_token_posterior([0.9, 0.5, 0.9, 0.5])
    )
    assert mean_token_posterior([]) == 0.0


def test_shards_take_whole_batches_balanced_by_padded_audio() -> None:
    durations = {f"u{i:02d}": 1.0 + (i * 7) % 10 for i in range(20)}
    batches = pl.make_batches(durations, batch_seconds=12.0)
    shards = pl.shard_assignment(batches, durations, 3)
    assert sorted(u for s in shards for u in pl.shard_utts(s)) == sorted(durations)
    # every batch goes whole to one shard: the batches do not depend on the shard count
    assert sorted(b for s in shards for b in s) == sorted(batches)
    padded = [sum(max(durations[u] for u in b) * len(b) for b in s) for s in shards]
    assert max(padded) - min(padded) <= max(durations.values()) * 12
    assert shards == pl.shard_assignment(batches, durations, 3)
    assert pl.shard_assignment(batches, durations, 1) == [batches]
    with pytest.raises(ValueError):
        pl.shard_assignment(batches, durations, 0)


def test_batches_respect_the_padded_budget() -> None:
    durations = {f"u{i}": d for i, d in enumerate([1.0, 9.0, 3.0, 3.0, 2.0, 8.0])}
    batches = pl.make_batches(durations, batch_seconds=10.0)
    assert sorted(u for b in batches for u in b) == sorted(durations)
    for batch in batches:
        assert len(batch) == 1 or max(durations[u] for u in batch) * len(batch) <= 10.0


class FakeTeacher:
    """Deterministic stand-in for a trained model: the 'hypothesis' encodes the audio length."""

    def __init__(self, options: pl.LabelOptions) -> None:
        self.options = options

    def label_batch(self, waves: List[np.ndarray]) -> List[tuple]:
        return [
            (f"LEN {len(w)}", 2, round(float(np.abs(w).mean()) % 1.0, 6)) for w in waves
        ]

    batches_beam = False  # the beam path one utterance at a time (label_beam)

    def label_beam(self, wave: np.ndarray) -> tuple:
        return f"BEAM {len(wave)}", 2, 0.5


@pytest.fixture
def unlabeled_dir(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    waves = {
        f"spk{i % 3}-utt{i:03d}": rng.uniform(-0.5, 0.5, 1600 * (i + 1))
        for i in range(11)
    }
    return write_wav_dir(tmp_path / "data", tmp_path / "wav", waves)


@pytest.fixture
def fake_teacher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pl, "Teacher", FakeTeacher)


def _options() -> pl.LabelOptions:
    return pl.LabelOptions(
        asr_train_config="conf.yaml",
        asr_model_file="model.pth",
        batch_seconds=2.0,
    )


def _outputs(out: Path) -> Dict[str, str]:
    return {
        name: (out / name).read_text()
        for name in sorted(os.listdir(out))
        if (out / name).is_file() and name != "throughput.json"
    }


def _run_each_shard_then_merge(data: Path, out: Path, nj: int) -> None:
    for shard in range(nj):
        pl.pseudo_label(data, out, _options(), nj=nj, shard_id=shard)
    pl.pseudo_label(data, out, _options(), nj=nj)


def test_clean_run_writes_every_file_for_every_utterance(
    unlabeled_dir: Path, tmp_path: Path, fake_teacher: None
) -> None:
    out = tmp_path / "pl"
    _run_each_shard_then_merge(unlabeled_dir, out, nj=3)
    utts = sorted(
        line.split()[0] for line in (unlabeled_dir / "wav.scp").read_text().splitlines()
    )
    for name in PSEUDO_FILES:
        assert [
            line.split()[0] for line in (out / name).read_text().splitlines()
        ] == utts, name
    assert "LEN 1600" in (out / "text").read_text()
    assert (out / "throughput.json").is_file()


def test_resume_after_a_killed_shard_gives_the_clean_merged_set(
    unlabeled_dir: Path, tmp_path: Path, fake_teacher: None
) -> None:
    clean = tmp_path / "clean"
    _run_each_shard_then_merge(unlabeled_dir, clean, nj=3)

    resumed = tmp_path / "resumed"
    pl.pseudo_label(unlabeled_dir, resumed, _options(), nj=3, shard_id=0)
    pl.pseudo_label(unlabeled_dir, resumed, _options(), nj=3, shard_id=2)
    # shard 1 was killed half way: some files written, no .done marker
    killed = resumed / "shards" / "1"
    killed.mkdir(parents=True)
    (killed / "text").write_text("spk0-utt000 PARTIAL\n")
    finished_mtime = (resumed / "shards" / "0" / "text").stat().st_mtime_ns
    pl.pseudo_label(unlabeled_dir, resumed, _options(), nj=3)
    assert _outputs(resumed) == _outputs(clean)
    assert (
        resumed / "shards" / "0" / "text"
    ).stat().st_mtime_ns == finished_mtime  # not redone
    assert (killed / ".done").is_file()


def test_rerun_with_other_settings_is_refused(
    unlabeled_dir: Path, tmp_path: Path, fake_teacher: None
) -> None:
    out = tmp_path / "pl"
    pl.pseudo_label(unlabeled_dir, out, _options(), nj=2, shard_id=0)
    with pytest.raises(ValueError, match="nj"):
        pl.pseudo_label(unlabeled_dir, out, _options(), nj=3)


def test_merge_catches_lost_and_duplicated_utterances(
    unlabeled_dir: Path, tmp_path: Path, fake_teacher: None
) -> None:
    out = tmp_path / "pl"
    _run_each_shard_then_merge(unlabeled_dir, out, nj=2)
    source = load_data_dir(unlabeled_dir)
    durations = pl.audio_durations(
        source.wav_scp, source.utt_ids, out / "shards" / "durations"
    )
    shards = pl.shard_assignment(
        pl.make_batches(durations, _options().batch_seconds), durations, 2
    )
    utts = [u for s in shards for u in pl.shard_utts(s)]
    text0 = out / "shards" / "0" / "text"
    lines = text0.read_text().splitlines()
    text0.write_text("\n".join(lines[1:]) + "\n")  # one utterance lost
    with pytest.raises(ValueError, match=lines[0].split()[0]):
        pl.merge_shards(out, shards, utts)
    text0.write_text("\n".join(lines) + "\n")
    moved = shards[1][0][0]  # shard 0 also (wrongly) holds an utterance of shard 1
    for name in ("text", "confidence", "num_tokens", "duration"):
        row = next(
            line
            for line in (out / "shards" / "1" / name).read_text().splitlines()
            if line.split()[0] == moved
        )
        with open(out / "shards" / "0" / name, "a") as handle:
            handle.write(row + "\n")
    with pytest.raises(RuntimeError, match="more than one shard"):
        pl.merge_shards(out, [shards[0] + [[moved]], shards[1]], utts)


def test_default_spec_has_no_beam_settings_and_beam_settings_refuse_a_rerun(
    unlabeled_dir: Path, tmp_path: Path, fake_teacher: None
) -> None:
    out = tmp_path / "pl"
    pl.pseudo_label(unlabeled_dir, out, _options(), nj=1)
    spec = json.loads((out / "shards" / "spec.json").read_text())
    assert set(spec) == {
        "data_dir",
        "num_utts",
        "utt_digest",
        "nj",
        "batch_seconds",  # it forms the batches, and the batches the shards
        "asr_model_file",
    }  # no beam options on the greedy path
    decode = tmp_path / "decode.yaml"
    decode.write_text("beam_size: 3\nlm_weight: 0.5\n")
    lm = {"lm_train_config": "lm/config.yaml", "lm_file": "lm/model.pth"}
    with pytest.raises(ValueError, match="decode_conf"):
        pl.pseudo_label(
            unlabeled_dir, out, _options_with(decode_config=str(decode)), nj=1
        )

    beam = tmp_path / "beam"
    fused = _options_with(decode_config=str(decode), **lm)
    pl.pseudo_label(unlabeled_dir, beam, fused, nj=1)
    assert "BEAM 1600" in (beam / "text").read_text()
    pl.pseudo_label(unlabeled_dir, beam, fused, nj=1)  # same settings: accepted
    for other, changed in (
        (
            _options_with(decode_config=str(decode), confidence="posterior", **lm),
            "confidence",
        ),
        (_options_with(decode_config=str(decode)), "lm_file"),
        (_options(), "decode_conf"),
    ):
        with pytest.raises(ValueError, match=changed):
            pl.pseudo_label(unlabeled_dir, beam, other, nj=1)
    decode.write_text("beam_size: 5\nlm_weight: 0.5\n")  # the config's contents count
    with pytest.raises(ValueError, match="decode_conf"):
        pl.pseudo_label(unlabeled_dir, beam, fused, nj=1)


def _options_with(**kwargs: object) -> pl.LabelOptions:
    return pl.LabelOptions(
        asr_train_config="conf.yaml",
        asr_model_file="model.pth",
        batch_seconds=2.0,
        **kwargs,  # type: ignore[arg-type]
    )


def test_merge_only_names_incomplete_shards_and_labels_nothing(
    unlabeled_dir: Path, tmp_path: Path, fake_teacher: None
) -> None:
    out = tmp_path / "pl"
    pl.pseudo_label(unlabeled_dir, out, _options(), nj=3, shard_id=1)
    with pytest.raises(RuntimeError, match=r"shard\(s\) 0, 2 of 3 .*job ids 1, 3"):
        pl.pseudo_label(unlabeled_dir, out, _options(), nj=3, merge_only=True)
    assert not (out / "shards" / "0").exists() and not (out / "text").exists()
    for shard in (0, 2):
        pl.pseudo_label(unlabeled_dir, out, _options(), nj=3, shard_id=shard)
    pl.pseudo_label(unlabeled_dir, out, _options(), nj=3, merge_only=True)
    clean = tmp_path / "clean"
    _run_each_shard_then_merge(unlabeled_dir, clean, nj=3)
    assert _outputs(out) == _outputs(clean)


# --- a job array through the recipe's cmd.sh (local backend), with a tiny real CTC teacher ---------


@pytest.fixture(scope="module")
def ctc_teacher(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """config.yaml + model.pth of a tiny random CTC model, and an unlabeled dir of 9 utterances.

    4 to 20 s each (108 s): three decoding batches at the default --batch_seconds 60.
    """
    from bigssl.espnet_compat import quiet_espnet_imports

    quiet_espnet_imports()
    from bigssl.asr.task import BigSSLASRTask
    from tests.asr.asr_helpers import tiny_asr_args

    root = tmp_path_factory.mktemp("ctc_teacher")
    torch.manual_seed(0)
    args = tiny_asr_args(["<blank>", "<unk>", "a", "b", "c", "d", "<sos/eos>"], False)
    model = BigSSLASRTask.build_model(args).eval()
    with torch.no_grad():
        model.ctc.ctc_lo.bias[0] += 1.0  # blanks and tokens both likely
    save_exp(args, model, root)
    rng = np.random.default_rng(1)
    waves = {
        f"spk{i % 2}-utt{i:02d}": 0.3
        * rng.standard_normal(16000 * (4 + 2 * ((i * 5) % 9)))
        for i in range(9)
    }
    data = write_wav_dir(root / "data", root, waves)
    return {"config": root / "config.yaml", "model": root / "model.pth", "data": data}


def test_job_array_through_cmd_sh_merges_to_the_one_job_result(
    ctc_teacher: Dict[str, Path], tmp_path: Path
) -> None:
    """Stage 75's commands: ${decode_cmd} JOB=1:2 ... --job_id JOB, then --merge_only.

    At the default batch size: a batched decode's last digits depend on which utterances share
    its batch (padding, matmul shapes), so the batches are formed over the whole set before
    sharding, and 1, 2 or 3 jobs give the same labels and confidences byte for byte.
    """
    import subprocess

    from tests.conftest import REPO

    options = pl.LabelOptions(
        asr_train_config=str(ctc_teacher["config"]),
        asr_model_file=str(ctc_teacher["model"]),
    )
    assert options.batch_seconds == 60.0  # the pipeline's (bin.pseudo_label's) default
    one = tmp_path / "one"
    pl.pseudo_label(ctc_teacher["data"], one, options, nj=1)
    durations = {
        utt: float(seconds)
        for utt, seconds in read_kv(one / "shards" / "durations").items()
    }
    assert len(pl.make_batches(durations, options.batch_seconds)) == 3
    three = tmp_path / "three"
    pl.pseudo_label(ctc_teacher["data"], three, options, nj=3)
    assert _outputs(three) == _outputs(one)

    two = tmp_path / "two"
    common = (
        f"--asr_train_config {ctc_teacher['config']} --asr_model_file {ctc_teacher['model']} "
        f"--data_dir {ctc_teacher['data']} --out_dir {two} --nj 2"
    )
    script = (
        ". ./cmd.sh && "
        f"${{decode_cmd}} JOB=1:2 {tmp_path}/log/pseudo_label.JOB.log "
        f"python -m bigssl.bin.pseudo_label {common} --job_id JOB && "
        f"python -m bigssl.bin.pseudo_label {common} --merge_only"
    )
    env = {
        **os.environ,
        "cmd_backend": "local",
        "decode_cmd": "",
        "PYTHONPATH": str(REPO),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=REPO / "egs/TEMPLATE/asr1",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for job in (1, 2):
        log = (tmp_path / f"log/pseudo_label.{job}.log").read_text()
        assert f"--job_id {job}" in log.splitlines()[0] and "# Ended (code 0)" in log
    assert sorted(p.parent.name for p in (two / "shards").glob("*/.done")) == ["0", "1"]
    assert _outputs(two) == _outputs(one)  # text, confidence, ... byte for byte
    assert len((one / "text").read_text().splitlines()) == 9


def test_a_second_run_on_the_same_shards_stops_at_once(
    unlabeled_dir: Path, tmp_path: Path, fake_teacher: None
) -> None:
    """Issue 23: two pseudo_label runs on one --out_dir both ran; a job array's jobs still may."""
    out = tmp_path / "pl"
    (out / "shards").mkdir(parents=True)
    with pl.shard_lock(out, 0):  # the first run, labeling shard 0
        with pytest.raises(
            RuntimeError, match=r"shard 0 is being labeled by another run \(pid"
        ):
            pl.pseudo_label(unlabeled_dir, out, _options(), nj=2)
        pl.pseudo_label(unlabeled_dir, out, _options(), nj=2, shard_id=1)  # another job
    assert not (out / "shards/0/.done").exists() and (out / "shards/1/.done").exists()
    pl.pseudo_label(
        unlabeled_dir, out, _options(), nj=2
    )  # the lock went with its holder
    assert (out / "text").is_file()


def test_job_shard_reads_a_job_array_and_refuses_contradictions() -> None:
    from bigssl.nst.pseudo_label import job_shard

    assert job_shard(4, None, 3, False) == 2  # job 3 of 1..4 labels shard 2
    assert job_shard(4, 1, None, False) == 1
    assert job_shard(4, None, None, True) is None  # merge everything
    for nj, shard, job, merge, words in [
        (4, 1, 2, False, "same option"),
        (4, None, 5, False, "outside 1..4"),
        (4, None, 0, False, "outside 1..4"),
        (4, None, 2, True, "--merge_only"),
    ]:
        with pytest.raises(ValueError, match=words):
            job_shard(nj, shard, job, merge)


def test_label_options_name_a_missing_file(tmp_path: Path) -> None:
    from bigssl.nst.pseudo_label import LabelOptions

    config = tmp_path / "config.yaml"
    config.write_text("{}\n")
    options = LabelOptions(str(config), str(tmp_path / "missing.pth"))
    with pytest.raises(ValueError, match="missing.pth does not exist"):
        options.check_files()
    with pytest.raises(ValueError, match="go together"):
        LabelOptions(str(config), str(config), lm_file=str(config))
