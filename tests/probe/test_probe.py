"""Probing frozen encoders: pooling, per-layer extraction (resumable), linear probes, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List

import numpy as np
import pytest
import soundfile
import torch

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()

from bigssl.probe.encoders import load_frozen_encoder  # noqa: E402
from bigssl.probe.extract import (  # noqa: E402
    extract_embeddings,
    load_embeddings,
    pool_frames,
)
from bigssl.probe.linear import Split, probe_layer  # noqa: E402
from bigssl.ssl.task import BigSSLTask  # noqa: E402
from tests.conftest import (  # noqa: E402
    REPO,
    run_command,
    save_exp,
    save_tiny_ssl_exp,
    write_wav_dir,
)

TINY_SSL = REPO / "egs/TEMPLATE/asr1/conf/ssl/pretrain_tiny.yaml"


@pytest.fixture(scope="module")
def ssl_exp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exp dir as pretraining leaves it: config.yaml + a checkpoint of a small Conformer."""
    return save_tiny_ssl_exp(tmp_path_factory.mktemp("ssl_exp"), seed=0)


@pytest.fixture(scope="module")
def wavs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """wav.scp of 6 noise+tone utterances of different lengths (0.5 .. 1.75 s)."""
    root = tmp_path_factory.mktemp("wavs")
    rng = np.random.default_rng(0)
    waves = {}
    for i in range(6):
        n = int(16000 * (0.5 + 0.25 * i))
        t = np.arange(n) / 16000
        tone = 0.3 * np.sin(2 * np.pi * (200 + 100 * i) * t)
        waves[f"u{i}"] = 0.1 * rng.standard_normal(n) + tone
    return write_wav_dir(root, root, waves, utt2spk=False) / "wav.scp"


def test_pooling_ignores_padded_frames() -> None:
    frames = torch.randn(1, 7, 4)
    padded = torch.cat([frames, 1e3 * torch.randn(1, 5, 4)], dim=1)
    other = torch.randn(1, 12, 4)
    pooled = pool_frames(torch.cat([padded, other]), torch.tensor([7, 12]))
    expected = torch.cat([frames.mean(1), frames.std(1, unbiased=False)], dim=-1)
    torch.testing.assert_close(pooled[:1], expected)


def test_every_layer_has_one_vector_of_the_encoders_width(
    ssl_exp: Path, wavs: Path, tmp_path: Path
) -> None:
    encoder = load_frozen_encoder(ssl_exp)
    assert (
        encoder.num_layers == 3 and encoder.width == 144
    )  # input projection + 2 blocks
    out = extract_embeddings(encoder, wavs, tmp_path / "emb", batch_seconds=4.0)
    for layer in range(3):
        utts, x = load_embeddings(out, layer, "mean+std")
        assert utts == [f"u{i}" for i in range(6)] and x.shape == (6, 288)
        assert np.isfinite(x).all()
    assert load_embeddings(out, 0, "mean")[1].shape == (6, 144)
    assert not (out / "shards").exists() and (out / ".done").exists()


def test_a_padded_batch_gives_each_utterance_its_own_embedding(
    ssl_exp: Path, wavs: Path, tmp_path: Path
) -> None:
    """Batched with longer utterances (padding) vs one utterance per batch: the same vectors, up to the
    frames at the utterance's end, where the STFT and convolutions see padding instead of the signal's edge.
    """
    encoder = load_frozen_encoder(ssl_exp)
    alone = extract_embeddings(encoder, wavs, tmp_path / "alone", batch_seconds=0.1)
    batched = extract_embeddings(
        encoder, wavs, tmp_path / "batched", batch_seconds=100.0
    )
    for layer in range(3):
        a, b = load_embeddings(alone, layer)[1], load_embeddings(batched, layer)[1]
        cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        assert cosine.min() > 0.98, (
            layer,
            cosine,
        )  # measured: >= 0.985 (0.5 s utterance, layer 0)


def test_random_init_differs_from_the_checkpoint(
    ssl_exp: Path, wavs: Path, tmp_path: Path
) -> None:
    trained = extract_embeddings(
        load_frozen_encoder(ssl_exp), wavs, tmp_path / "trained"
    )
    random = extract_embeddings(
        load_frozen_encoder(ssl_exp, random_init=True, seed=3),
        wavs,
        tmp_path / "random",
    )
    assert not np.allclose(
        load_embeddings(trained, 2)[1], load_embeddings(random, 2)[1]
    )


def test_a_killed_extraction_resumes_where_it_stopped(
    ssl_exp: Path, wavs: Path, tmp_path: Path
) -> None:
    encoder = load_frozen_encoder(ssl_exp)
    clean = extract_embeddings(encoder, wavs, tmp_path / "clean", batch_seconds=2.0)
    calls: List[int] = []
    real_layers = encoder.layers

    def dies_on_third_batch(speech, lengths):  # type: ignore[no-untyped-def]
        calls.append(len(lengths))
        if len(calls) == 3:
            raise KeyboardInterrupt("killed")
        return real_layers(speech, lengths)

    encoder.layers = dies_on_third_batch  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        extract_embeddings(encoder, wavs, tmp_path / "killed", batch_seconds=2.0)
    assert len(list((tmp_path / "killed/shards").glob("*.npz"))) == 2
    resumed_calls: List[int] = []

    def counting(speech, lengths):  # type: ignore[no-untyped-def]
        resumed_calls.append(len(lengths))
        return real_layers(speech, lengths)

    encoder.layers = counting  # type: ignore[method-assign]
    resumed = extract_embeddings(encoder, wavs, tmp_path / "killed", batch_seconds=2.0)
    assert sum(resumed_calls) == 6 - sum(calls[:2])  # only the missing batches were run
    for layer in range(3):
        np.testing.assert_array_equal(
            load_embeddings(clean, layer)[1], load_embeddings(resumed, layer)[1]
        )


def _blobs(n: int, centers: np.ndarray, rng: np.random.Generator) -> Split:
    y = rng.integers(0, len(centers), n)
    return Split(centers[y] + rng.standard_normal((n, centers.shape[1])), y.astype(str))


def test_probe_separates_separable_classes_and_is_at_chance_on_shuffled_labels() -> (
    None
):
    rng = np.random.default_rng(0)
    centers = 5 * rng.standard_normal((4, 16))
    splits = [_blobs(n, centers, rng) for n in (400, 100, 400)]
    assert probe_layer("classification", 0, *splits).test > 0.98
    shuffled = [Split(s.x, rng.permutation(s.y)) for s in splits]
    assert abs(probe_layer("classification", 0, *shuffled).test - 0.25) < 0.1


def test_ridge_probe_recovers_a_linear_target() -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal(8)
    splits = []
    for n in (300, 100, 200):
        x = rng.standard_normal((n, 8))
        splits.append(Split(x, x @ w + 0.05 * rng.standard_normal(n)))
    score = probe_layer("regression", 0, *splits)
    assert score.test > 0.99 and score.test_mae < 0.1


def _probe_cli(data: Path, out_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m bigssl.bin.probe --data_dir DATA --out_dir OUT_DIR ARGS``."""
    probe = [sys.executable, "-m", "bigssl.bin.probe"]
    dirs = ["--data_dir", str(data), "--out_dir", str(out_dir)]
    return run_command([*probe, *dirs, *args], timeout=300)


def test_cli_probes_every_task_and_layer_and_writes_the_section(
    ssl_exp: Path, wavs: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    rng = np.random.default_rng(0)
    for split, offset in (("train", 0), ("dev", 10), ("test", 20)):
        d = data / "pitch" / split
        d.mkdir(parents=True)
        scp, labels = [], []
        for i in range(8):
            f0 = rng.choice([150, 600])
            t = np.arange(12000) / 16000
            path = d / f"{split}{i}.wav"
            soundfile.write(
                path, (0.3 * np.sin(2 * np.pi * f0 * t)).astype(np.float32), 16000
            )
            scp.append(f"{split}-{i:02d} {path}\n")
            labels.append(f"{split}-{i:02d} {'low' if f0 == 150 else 'high'}\n")
        (d / "wav.scp").write_text("".join(scp))
        (d / "utt2label").write_text("".join(labels))
    (data / "pitch" / "task.json").write_text(json.dumps({"kind": "classification"}))
    section, figure = tmp_path / "noss.md", tmp_path / "noss.png"
    encoders = [
        "--encoder",
        f"trained={ssl_exp}",
        "--encoder",
        f"random={ssl_exp}:random",
    ]
    outputs = ["--section", str(section), "--figure", str(figure)]
    result = _probe_cli(
        data, tmp_path / "exp", *encoders, "--control", "random", *outputs
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "exp/probes.json").read_text())
    assert {(r["task"], r["encoder"]) for r in summary["results"]} == {
        ("pitch", "trained"),
        ("pitch", "random"),
    }
    assert all(len(r["layers"]) == 3 for r in summary["results"])
    for r in summary["results"]:  # per-item test results, for claim 4's bootstrap
        assert r["test_ids"] == [f"test-{i:02d}" for i in range(8)]
        assert all(len(s["test_correct"]) == 8 for s in r["layers"])
    text = section.read_text()
    assert (
        "| pitch | accuracy | trained |" in text
        and "Claim 4" in text
        and "95 % CI" in text
        and "Value of training" in text
    )
    assert figure.stat().st_size > 1000

    bad = _probe_cli(data, tmp_path / "x", "--encoder", f"trained={tmp_path / 'nope'}")
    assert (
        bad.returncode == 1
        and "no config.yaml" in bad.stderr
        and "Traceback" not in bad.stderr
    )


def test_an_encoder_trained_in_another_recipe_loads_with_its_statistics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23: config.yaml keeps its stats_file relative to the recipe it was trained in."""
    recipe = tmp_path / "recipe_a"
    stats = "exp/ssl_stats/train/feats_stats.npz"
    (recipe / stats).parent.mkdir(parents=True)
    rng = np.random.default_rng(0)
    np.savez(
        recipe / stats,
        count=np.array(100.0),
        sum=rng.standard_normal(80) * 100,
        sum_square=np.full(80, 400.0),
    )
    exp = recipe / "exp/ssl_iter1"
    exp.mkdir(parents=True)
    monkeypatch.chdir(recipe)  # the pipeline trains from the recipe dir
    args = BigSSLTask.get_parser().parse_args(
        ["--config", str(TINY_SSL), "--output_dir", str(exp)]
        + ["--encoder_conf", "num_blocks=1", "--normalize", "global_mvn"]
        + ["--normalize_conf", f"stats_file={stats}"]
    )
    model = BigSSLTask.build_model(args)
    save_exp(args, model, exp, "valid.loss.ave.pth")

    other = tmp_path / "noss_recipe"
    other.mkdir()
    monkeypatch.chdir(other)
    encoder = load_frozen_encoder(Path("../recipe_a/exp/ssl_iter1"))
    assert torch.allclose(encoder.normalize.mean, model.normalize.mean)
    (recipe / stats).unlink()
    with pytest.raises(FileNotFoundError, match="its feature statistics"):
        load_frozen_encoder(exp)
