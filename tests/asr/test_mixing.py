"""NST batch mixing: a fixed labeled:pseudo ratio in every training batch."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import soundfile

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from bigssl.asr.mixing import (  # noqa: E402
    MixedBatchSampler,
    batch_counts,
    mixed_sampler_builder,
    padding_factor,
)


def _write_dir(
    root: Path, n_labeled: int, n_pseudo: int, seed: int = 0
) -> Dict[str, Path]:
    """speech_shape + utt2group for utts lab000.. and pse000.. with random lengths."""
    rng = np.random.RandomState(seed)
    root.mkdir(parents=True, exist_ok=True)
    utts = [f"lab{i:03d}" for i in range(n_labeled)] + [
        f"pse{i:03d}" for i in range(n_pseudo)
    ]
    (root / "speech_shape").write_text(
        "".join(f"{u} {rng.randint(1000, 9000)}\n" for u in utts)
    )
    (root / "utt2group").write_text(
        "".join(f"{u} {'labeled' if u.startswith('lab') else 'pseudo'}\n" for u in utts)
    )
    return {"shape": root / "speech_shape", "groups": root / "utt2group"}


def _sampler(
    files: Dict[str, Path],
    batch_size: int = 10,
    ratio: float = 0.1,
    seed: int = 0,
    bucketed: bool = True,
    length_jitter: float = 0.1,
) -> MixedBatchSampler:
    return MixedBatchSampler(
        batch_size,
        str(files["shape"]),
        str(files["groups"]),
        ratio,
        seed,
        bucketed=bucketed,
        length_jitter=length_jitter,
    )


def _lengths(files: Dict[str, Path]) -> Dict[str, int]:
    return {
        line.split()[0]: int(line.split()[1])
        for line in files["shape"].read_text().splitlines()
    }


def _labeled(batch) -> int:
    return sum(u.startswith("lab") for u in batch)


@pytest.mark.parametrize(
    "batch_size,ratio,n_lab,n_pse",
    [(10, 0.1, 50, 100), (10, 0.1, 3, 91), (20, 0.25, 40, 333), (8, 0.1, 5, 70)],
)
def test_ratio_holds_in_every_batch_and_on_average(
    tmp_path: Path, batch_size: int, ratio: float, n_lab: int, n_pse: int
) -> None:
    sampler = _sampler(_write_dir(tmp_path, n_lab, n_pse), batch_size, ratio)
    want_lab, want_pse = batch_counts(batch_size, ratio)
    assert want_lab == max(1, round(ratio * batch_size))
    fractions = []
    for batch in sampler:
        assert len(batch) <= batch_size and len(set(batch)) == len(batch)
        assert _labeled(batch) == want_lab
        assert (
            want_pse - 1 <= len(batch) - want_lab <= want_pse
        )  # pseudo spread evenly over the batches
        fractions.append(_labeled(batch) / len(batch))
    tolerance = (
        want_lab / (batch_size - 1) - want_lab / batch_size + 1e-9
    )  # one pseudo utterance fewer
    assert all(abs(f - want_lab / batch_size) <= tolerance for f in fractions)
    total = sum(len(b) for b in sampler)
    assert (
        abs(sum(_labeled(b) for b in sampler) / total - want_lab / batch_size)
        <= tolerance
    )


def test_every_pseudo_utterance_once_and_labeled_cycle(tmp_path: Path) -> None:
    files = _write_dir(tmp_path, 7, 200)
    sampler = _sampler(files)
    counts = collections.Counter(u for b in sampler for u in b)
    assert sorted(u for u in counts if u.startswith("pse")) == [
        f"pse{i:03d}" for i in range(200)
    ]
    assert all(counts[u] == 1 for u in counts if u.startswith("pse"))
    lab_counts = [counts[f"lab{i:03d}"] for i in range(7)]
    assert (
        max(lab_counts) - min(lab_counts) <= 1
    )  # drawn cyclically: every labeled utt equally often


def test_every_labeled_utterance_is_used_when_pseudo_labels_are_few(
    tmp_path: Path,
) -> None:
    """1200 labeled vs 3840 pseudo at 1:9 needs 3 passes over the pseudo set to show every labeled one."""
    sampler = _sampler(_write_dir(tmp_path, 120, 384))
    counts = collections.Counter(u for b in sampler for u in b)
    assert all(counts[f"lab{i:03d}"] >= 1 for i in range(120))
    pseudo_counts = {counts[f"pse{i:03d}"] for i in range(384)}
    assert pseudo_counts == {
        3
    }  # whole passes only: every pseudo utterance equally often
    assert len(sampler) == 3 * 43


@pytest.mark.parametrize("bucketed", [True, False])
def test_sorted_by_length_descending_within_batch(
    tmp_path: Path, bucketed: bool
) -> None:
    files = _write_dir(tmp_path, 20, 60)
    lengths = _lengths(files)
    for batch in _sampler(files, bucketed=bucketed):
        assert [lengths[u] for u in batch] == sorted(
            (lengths[u] for u in batch), reverse=True
        )


@pytest.mark.parametrize("bucketed", [True, False])
def test_deterministic_given_seed(tmp_path: Path, bucketed: bool) -> None:
    files = _write_dir(tmp_path, 30, 150)
    first = list(_sampler(files, seed=3, bucketed=bucketed))
    assert first == list(_sampler(files, seed=3, bucketed=bucketed))
    assert first != list(_sampler(files, seed=4, bucketed=bucketed))
    assert sorted(first) != sorted(
        _sampler(files, seed=4, bucketed=bucketed)
    )  # other batches, not only another order


@pytest.mark.parametrize("bucketed", [True, False])
@pytest.mark.parametrize("n_lab", [3, 4, 5, 7])
def test_labeled_never_repeats_inside_a_batch(
    tmp_path: Path, bucketed: bool, n_lab: int
) -> None:
    sampler = _sampler(
        _write_dir(tmp_path, n_lab, 60), batch_size=6, ratio=0.5, bucketed=bucketed
    )  # 3 labeled in each batch, out of as few as 3
    for batch in sampler:
        assert len(set(batch)) == len(batch) and _labeled(batch) == 3


# ---- the bucketed layout (default): the guarantees of the random one, batches of similar lengths ----


def _passes(sampler: MixedBatchSampler, n_pseudo: int) -> List[List[tuple]]:
    per_pass = -(-n_pseudo // sampler.num_pseudo)
    assert len(sampler) % per_pass == 0
    return [
        sampler.batch_list[i : i + per_pass] for i in range(0, len(sampler), per_pass)
    ]


@pytest.mark.parametrize(
    "batch_size,ratio,n_lab,n_pse",
    [
        (10, 0.1, 120, 384),
        (10, 0.1, 7, 200),
        (20, 0.25, 40, 333),
        (8, 0.25, 5, 70),
        (6, 0.5, 4, 31),
    ],
)
@pytest.mark.parametrize("bucketed", [True, False])
def test_pass_structure_ratio_and_even_labeled_use(
    tmp_path: Path,
    batch_size: int,
    ratio: float,
    n_lab: int,
    n_pse: int,
    bucketed: bool,
) -> None:
    sampler = _sampler(
        _write_dir(tmp_path, n_lab, n_pse), batch_size, ratio, bucketed=bucketed
    )
    want_lab, want_pse = batch_counts(batch_size, ratio)
    for batch in sampler:
        assert _labeled(batch) == want_lab and len(set(batch)) == len(batch)
        assert want_pse - 1 <= len(batch) - want_lab <= want_pse
    for batches in _passes(sampler, n_pse):  # every pseudo utterance once per pass
        assert sorted(u for b in batches for u in b if u.startswith("pse")) == [
            f"pse{i:03d}" for i in range(n_pse)
        ]
    uses = collections.Counter(u for b in sampler for u in b if u.startswith("lab"))
    assert set(uses) == {f"lab{i:03d}" for i in range(n_lab)}  # every one at least once
    assert max(uses.values()) - min(uses.values()) <= 1  # used evenly


def test_bucketed_batches_have_similar_lengths(tmp_path: Path) -> None:
    files = _write_dir(tmp_path, 120, 900)
    lengths = _lengths(files)
    bucketed, random = _sampler(files), _sampler(files, bucketed=False)
    assert bucketed.bucketed and not random.bucketed  # bucketed is the default
    tight = padding_factor(bucketed.batch_list, lengths)
    loose = padding_factor(random.batch_list, lengths)
    assert loose > 1.4 and tight < 1.15 and tight < 0.8 * loose, (tight, loose)
    exact = padding_factor(_sampler(files, length_jitter=0.0).batch_list, lengths)
    assert exact < tight  # the jitter trades a little padding for variety
    # the labeled utterances follow the batch: their lengths correlate with the pseudo ones
    lab, pse = zip(
        *[
            (
                np.mean([lengths[u] for u in b if u.startswith("lab")]),
                np.mean([lengths[u] for u in b if u.startswith("pse")]),
            )
            for b in bucketed
        ]
    )
    assert np.corrcoef(lab, pse)[0, 1] > 0.9


def test_bucketed_passes_differ_and_batch_order_is_shuffled(tmp_path: Path) -> None:
    files = _write_dir(tmp_path, 120, 384)
    lengths = _lengths(files)
    sampler = _sampler(files)
    passes = _passes(sampler, 384)
    assert len(passes) == 3
    contents = [
        {frozenset(u for u in b if u.startswith("pse")) for b in batches}
        for batches in passes
    ]
    assert contents[0] != contents[1] and contents[1] != contents[2]
    longest = [max(lengths[u] for u in b) for b in passes[0]]
    assert longest != sorted(longest) and longest != sorted(longest, reverse=True)


def test_builder_passes_the_layout_options(tmp_path: Path) -> None:
    files = _write_dir(tmp_path, 5, 40)
    for bucketed, jitter in ((True, 0.1), (False, 0.0), (True, 0.3)):
        build = mixed_sampler_builder(
            files["groups"], 0.1, 2, bucketed=bucketed, length_jitter=jitter
        )
        sampler = build(
            type="unsorted", batch_size=10, shape_files=[str(files["shape"])]
        )
        assert (sampler.bucketed, sampler.length_jitter) == (bucketed, jitter)
        assert (
            sampler.batch_list
            == _sampler(
                files, seed=2, bucketed=bucketed, length_jitter=jitter
            ).batch_list
        )
    with pytest.raises(ValueError, match="length_jitter"):
        _sampler(files, length_jitter=1.0)


def test_composition_log_names_layout_and_padding(tmp_path: Path, caplog) -> None:
    caplog.set_level("INFO", logger="bigssl.asr.mixing")
    _sampler(_write_dir(tmp_path, 5, 40))
    assert "labeled per batch 1-1" in caplog.text
    assert "bucketed layout, padding factor" in caplog.text


def test_clear_errors(tmp_path: Path) -> None:
    files = _write_dir(tmp_path / "ok", 5, 20)
    with pytest.raises(FileNotFoundError, match="utt2group"):
        MixedBatchSampler(
            10, str(files["shape"]), str(tmp_path / "nope" / "utt2group"), 0.1
        )
    bad = tmp_path / "bad"
    bad.mkdir()
    cases = {
        "unknown_utt": files["groups"].read_text() + "ghost pseudo\n",
        "no_labeled": "".join(
            f"{line.split()[0]} pseudo\n"
            for line in files["groups"].read_text().splitlines()
        ),
        "bad_group": files["groups"]
        .read_text()
        .replace("lab000 labeled", "lab000 gold"),
        "missing_utt": "\n".join(files["groups"].read_text().splitlines()[1:]) + "\n",
    }
    patterns = {
        "unknown_utt": r"1 extra \(e.g. \['ghost'\]\)",
        "no_labeled": "no 'labeled'",
        "bad_group": "labeled' or",
        "missing_utt": "1 missing",
    }
    for name, text in cases.items():
        path = bad / f"{name}.utt2group"
        path.write_text(text)
        with pytest.raises(ValueError, match=patterns[name]) as err:
            MixedBatchSampler(10, str(files["shape"]), str(path), 0.1)
        assert str(path) in str(err.value)
    for ratio in (0.0, 1.0):
        with pytest.raises(ValueError):
            batch_counts(10, ratio)
    with pytest.raises(ValueError, match="fewer than"):
        MixedBatchSampler(10, str(files["shape"]), str(files["groups"]), 0.9)


def test_builder_stands_in_for_espnets_build_batch_sampler(tmp_path: Path) -> None:
    files = _write_dir(tmp_path, 5, 20)
    build = mixed_sampler_builder(files["groups"], 0.1, 0)
    sampler = build(
        type="unsorted", batch_size=10, batch_bins=0, shape_files=[str(files["shape"])]
    )
    assert isinstance(sampler, MixedBatchSampler) and sampler.num_labeled == 1


# ---- the real iterator path: BigSSLASRTask.build_iter_factory on a tiny data dir with wav files ----


def _write_wav_dir(root: Path, n_labeled: int, n_pseudo: int) -> Path:
    rng = np.random.RandomState(0)
    root.mkdir(parents=True)
    wav, text, shape, groups = [], [], [], []
    for name in [f"lab{i:03d}" for i in range(n_labeled)] + [
        f"pse{i:03d}" for i in range(n_pseudo)
    ]:
        n = int(rng.randint(1600, 4800))
        soundfile.write(
            root / f"{name}.wav", (0.1 * rng.randn(n)).astype(np.float32), 16000
        )
        wav.append(f"{name} {root / name}.wav\n")
        text.append(f"{name} ab ba\n")
        shape.append(f"{name} {n}\n")
        groups.append(f"{name} {'labeled' if name.startswith('lab') else 'pseudo'}\n")
    for fname, lines in (
        ("wav.scp", wav),
        ("text", text),
        ("speech_shape", shape),
        ("utt2group", groups),
    ):
        (root / fname).write_text("".join(lines))
    (root / "text_shape").write_text(
        "".join(f"{line.split()[0]} 5\n" for line in shape)
    )
    (root / "tokens.txt").write_text("<blank>\n<unk>\na\nb\n<space>\n<sos/eos>\n")
    return root


def _task_args(data: Path, extra: List[str]):
    from bigssl.asr.task import BigSSLASRTask

    parser = BigSSLASRTask.get_parser()
    return parser.parse_args(
        [
            "--output_dir",
            str(data / "exp"),
            "--token_type",
            "char",
            "--token_list",
            str(data / "tokens.txt"),
            "--train_data_path_and_name_and_type",
            f"{data}/wav.scp,speech,sound",
            "--train_data_path_and_name_and_type",
            f"{data}/text,text,text",
            "--valid_data_path_and_name_and_type",
            f"{data}/wav.scp,speech,sound",
            "--valid_data_path_and_name_and_type",
            f"{data}/text,text,text",
            "--train_shape_file",
            f"{data}/speech_shape",
            "--train_shape_file",
            f"{data}/text_shape",
            "--valid_shape_file",
            f"{data}/speech_shape",
            "--valid_shape_file",
            f"{data}/text_shape",
            "--batch_type",
            "unsorted",
            "--batch_size",
            "10",
            "--num_workers",
            "0",
            "--seed",
            "5",
            *extra,
        ]
    )


def test_task_builds_mixed_train_iterator_and_plain_valid_iterator(
    tmp_path: Path,
) -> None:
    from espnet2.train.distributed_utils import DistributedOption

    from bigssl.asr.task import BigSSLASRTask

    data = _write_wav_dir(tmp_path / "train", 12, 45)
    args = _task_args(data, ["--nst_mix_ratio", "0.1"])
    factory = BigSSLASRTask.build_iter_factory(args, DistributedOption(), mode="train")
    seen: collections.Counter = collections.Counter()
    for keys, batch in factory.build_iter(1):
        assert _labeled(keys) == 1 and len(keys) - 1 in (8, 9), keys
        assert batch["speech"].shape[0] == len(keys) and batch["text"].shape[0] == len(
            keys
        )
        lengths = batch["speech_lengths"].tolist()
        assert lengths == sorted(lengths, reverse=True)
        seen.update(keys)
    assert sorted(u for u in seen if u.startswith("pse")) == [
        f"pse{i:03d}" for i in range(45)
    ]
    assert sum(seen.values()) == 3 * (
        45 + 5
    )  # 3 passes of 5 batches (one labeled each) cover all 12 labeled

    valid = BigSSLASRTask.build_iter_factory(args, DistributedOption(), mode="valid")
    assert (
        sum(len(keys) for keys, _ in valid.build_iter(1)) == 57
    )  # validation: ESPnet's sampler, untouched

    plain = BigSSLASRTask.build_iter_factory(
        _task_args(data, []), DistributedOption(), mode="train"
    )
    assert any(
        _labeled(keys) != 1 for keys, _ in plain.build_iter(1)
    )  # ratio 0: ESPnet's own unsorted batches


def test_task_reports_missing_utt2group(tmp_path: Path) -> None:
    from espnet2.train.distributed_utils import DistributedOption

    from bigssl.asr.task import BigSSLASRTask

    data = _write_wav_dir(tmp_path / "train", 3, 10)
    (data / "utt2group").unlink()
    with pytest.raises(FileNotFoundError, match=str(data / "utt2group")):
        BigSSLASRTask.build_iter_factory(
            _task_args(data, ["--nst_mix_ratio", "0.1"]),
            DistributedOption(),
            mode="train",
        )
