"""K-best training: filter carries the K-best rows, student data expands them, the sampler draws by weight."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
import soundfile

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from bigssl.asr.mixing import KBestAlternatives, MixedBatchSampler  # noqa: E402
from bigssl.bin import filter_pseudo, make_student_data  # noqa: E402
from bigssl.io_utils import read_kv  # noqa: E402
from bigssl.nst.pseudo_dir import load_nbest  # noqa: E402
from bigssl.nst.pseudo_label import merge_nbest  # noqa: E402
from bigssl.nst.student_data import build_student_data  # noqa: E402

# utt: (1-best text, confidence, [(hypothesis, weight)] * K)
NBEST = {
    "s1-u1": ("ONE TWO", 0.9, [("ONE TWO", 0.6), ("ONE TOO", 0.3), ("WON TWO", 0.1)]),
    "s1-u2": (
        "THREE",
        0.2,
        [("THREE", 0.5), ("TREE", 0.5), ("", 0.0)],
    ),  # dropped by the threshold
    "s2-u3": (
        "FOUR FIVE",
        0.8,
        [("FOUR FIVE", 0.7), ("FOR FIVE", 0.3), ("", 0.0)],
    ),  # the beam found two
    "s2-u4": (
        "SIX",
        0.95,
        [("SIX", 0.8), ("", 0.15), ("SICKS", 0.05)],
    ),  # an all-blank hypothesis with weight
}


def _write_pl(directory: Path, rows=NBEST, k: int = 3, audio_dir: Path = None) -> Path:
    directory.mkdir(parents=True)
    files: Dict[str, List[str]] = collections.defaultdict(list)
    for i, (utt, (text, conf, hyps)) in enumerate(sorted(rows.items())):
        wav = f"/audio/{utt}.wav"
        if audio_dir is not None:
            wav = str(audio_dir / f"{utt}.wav")
            audio_dir.mkdir(parents=True, exist_ok=True)
            soundfile.write(wav, np.zeros(8000 + 800 * i, dtype="float32"), 16000)
        files["wav.scp"].append(f"{utt} {wav}")
        files["utt2spk"].append(f"{utt} {utt.split('-')[0]}")
        files["text"].append(f"{utt} {text}")
        files["confidence"].append(f"{utt} {conf}")
        files["num_tokens"].append(f"{utt} {len(text.split())}")
        files["duration"].append(f"{utt} 1.0")
        for j in range(k):
            files[f"nbest_text.{j + 1}"].append(f"{utt} {hyps[j][0]}".rstrip())
            files[f"nbest_weight.{j + 1}"].append(f"{utt} {hyps[j][1]}")
    for name, lines in files.items():
        (directory / name).write_text("\n".join(lines) + "\n")
    return directory


# ------------------------------------------------------------------------------------------ teacher
def test_merge_nbest_pools_same_text_and_renormalizes() -> None:
    scored = [("A  B", -1.0), ("A B", -2.0), ("A C", -1.5), ("D", -5.0)]
    merged = merge_nbest(scored, 2)
    assert [t for t, _ in merged] == ["A B", "A C"]
    mass_ab, mass_ac = np.exp(-1.0) + np.exp(-2.0), np.exp(-1.5)
    assert merged[0][1] == pytest.approx(mass_ab / (mass_ab + mass_ac))
    assert sum(w for _, w in merged) == pytest.approx(1.0)
    assert merge_nbest([], 4) == []
    assert (
        len(merge_nbest([("X", 0.0)], 4)) == 1
    )  # fewer than K: the writer pads with empty texts, weight 0


def test_teacher_nbest_merges_duplicates_from_the_whole_beam() -> None:
    from types import SimpleNamespace

    from bigssl.nst.pseudo_label import LabelOptions, Teacher

    beam = [
        ("I DON'T WANT", -1.0),
        ("I DON'T  WANT", -1.2),
        ("I DONT WANT", -2.0),
        ("I DON WANT", -3.0),
        ("A", -9.0),
    ]
    teacher = object.__new__(Teacher)
    teacher.options = LabelOptions(
        asr_train_config="c.yaml", asr_model_file="m.pth", nbest=3
    )
    teacher._speech2text = lambda wave: [
        (t, None, None, SimpleNamespace(score=s)) for t, s in beam
    ]
    hyps = teacher.nbest(np.zeros(10, dtype="float32"))
    assert [t for t, _ in hyps] == [
        "I DON'T WANT",
        "I DONT WANT",
        "I DON WANT",
    ]  # distinct, 3 of the 5 beam results
    assert sum(w for _, w in hyps) == pytest.approx(1.0)
    assert hyps[0][1] > hyps[1][1] > hyps[2][1]


# ------------------------------------------------------------------------------------------- filter
def test_filter_carries_nbest_rows_of_kept_utts_only(tmp_path: Path) -> None:
    pl = _write_pl(tmp_path / "pl")
    out = tmp_path / "out"
    filter_pseudo.main(
        ["--pseudo_dir", str(pl), "--out_dir", str(out), "--threshold", "0.5"]
    )
    kept = set(read_kv(out / "wav.scp"))
    assert kept == {"s1-u1", "s2-u3", "s2-u4"}
    for k in (1, 2, 3):
        assert set(read_kv(out / f"nbest_text.{k}")) == kept
        assert set(read_kv(out / f"nbest_weight.{k}")) == kept
    assert read_kv(out / "nbest_text.2")["s1-u1"] == "ONE TOO"
    assert float(read_kv(out / "nbest_weight.3")["s2-u4"]) == pytest.approx(0.05)
    report = json.loads((out / "filter" / "report.json").read_text())
    assert report["nbest"]["k"] == 3
    assert report["nbest"]["mean_hypotheses"] == pytest.approx(
        (3 + 2 + 2) / 3, abs=1e-4
    )
    assert "K=3" in (out / "filter" / "report.md").read_text()
    # a rerun on a dir without K-best files removes the stale ones
    plain = tmp_path / "plain"
    _write_pl(plain, k=0)
    filter_pseudo.main(
        ["--pseudo_dir", str(plain), "--out_dir", str(out), "--threshold", "0.5"]
    )
    assert not list(out.glob("nbest_*"))
    assert json.loads((out / "filter" / "report.json").read_text())["nbest"] is None


@pytest.mark.parametrize(
    "mutate,pattern",
    [
        (lambda d: (d / "nbest_weight.3").unlink(), r"no nbest_weight\.3"),
        (
            lambda d: (d / "nbest_text.2").write_text("s1-u1 X\n"),
            r"nbest_text\.2: utterance set differs.*missing",
        ),
        (
            lambda d: (d / "nbest_weight.1").write_text(
                (d / "nbest_weight.1").read_text().replace("s1-u1 0.6", "s1-u1 abc")
            ),
            r"nbest_weight\.1: utterance 's1-u1': not a number",
        ),
        (
            lambda d: (d / "nbest_weight.2").write_text(
                (d / "nbest_weight.2").read_text().replace("s1-u1 0.3", "s1-u1 1.3")
            ),
            r"nbest_weight\.2: utterance 's1-u1': weight 1.3 outside",
        ),
        (
            lambda d: (d / "nbest_weight.2").write_text(
                (d / "nbest_weight.2").read_text().replace("s1-u1 0.3", "s1-u1 0.2")
            ),
            r"utterance 's1-u1': the 3 weights sum to 0.9",
        ),
        (lambda d: (d / "nbest_text.x").write_text(""), r"must end in \.1, \.2"),
    ],
)
def test_filter_nbest_errors_name_file_and_utt(
    tmp_path: Path, mutate, pattern: str
) -> None:
    pl = _write_pl(tmp_path / "pl")
    mutate(pl)
    with pytest.raises((ValueError, FileNotFoundError), match=pattern):
        filter_pseudo.main(
            ["--pseudo_dir", str(pl), "--out_dir", str(tmp_path / "out")]
        )
    assert not (tmp_path / "out" / "wav.scp").exists()


# ------------------------------------------------------------------------------------- student data
@pytest.fixture(scope="module")
def bpe(tmp_path_factory) -> Tuple[Path, Path]:
    import sentencepiece

    root = tmp_path_factory.mktemp("bpe")
    sentences = [
        "ONE TWO THREE FOUR FIVE SIX",
        "TREE FOR TOO WON SICKS",
        "LAB ONE LAB TWO",
    ] * 5
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_prefix=str(root / "bpe"),
        vocab_size=30,
        model_type="char",
        hard_vocab_limit=False,
        minloglevel=2,
    )
    tokens = root / "tokens.txt"
    tokens.write_text("".join(f"t{i}\n" for i in range(30)))
    return root / "bpe.model", tokens


def _labeled_dir(root: Path) -> Path:
    root.mkdir(parents=True)
    wav = root / "lab1.wav"
    soundfile.write(wav, np.zeros(4000, dtype="float32"), 16000)
    (root / "wav.scp").write_text(f"L-lab1 {wav}\n")
    (root / "utt2spk").write_text("L-lab1 L\n")
    (root / "text").write_text("L-lab1 LAB ONE\n")
    return root


def _filtered(tmp_path: Path) -> Path:
    pl = _write_pl(tmp_path / "pl", audio_dir=tmp_path / "audio")
    filter_pseudo.main(
        [
            "--pseudo_dir",
            str(pl),
            "--out_dir",
            str(tmp_path / "pseudo"),
            "--threshold",
            "0.5",
        ]
    )
    return tmp_path / "pseudo"


def test_student_data_expands_kbest_entries(tmp_path: Path, bpe) -> None:
    pseudo = _filtered(tmp_path)
    out = tmp_path / "train"
    make_student_data.main(
        [
            "--labeled",
            str(_labeled_dir(tmp_path / "lab")),
            "--pseudo",
            str(pseudo),
            "--out",
            str(out),
            "--bpemodel",
            str(bpe[0]),
            "--token_list",
            str(bpe[1]),
        ]
    )
    want = {
        "s1-u1-nb1": ("ONE TWO", 0.6),
        "s1-u1-nb2": ("ONE TOO", 0.3),
        "s1-u1-nb3": ("WON TWO", 0.1),
        "s2-u3-nb1": ("FOUR FIVE", 0.7),
        "s2-u3-nb2": ("FOR FIVE", 0.3),
        "s2-u4-nb1": ("SIX", 0.8),
        "s2-u4-nb3": ("SICKS", 0.05),
    }  # the empty hypothesis 2 is skipped
    text = read_kv(out / "text")
    assert {u: t for u, t in text.items() if u != "L-lab1"} == {
        u: t for u, (t, _) in want.items()
    }
    weights = read_kv(out / "utt2weight")
    assert set(weights) == set(want)
    assert all(float(weights[u]) == pytest.approx(w) for u, (_, w) in want.items())
    assert read_kv(out / "utt2base") == {u: u.rsplit("-nb", 1)[0] for u in want}
    groups = read_kv(out / "utt2group")
    assert groups == {"L-lab1": "labeled", **{u: "pseudo" for u in want}}
    wav, spk = read_kv(out / "wav.scp"), read_kv(out / "utt2spk")
    pseudo_wav = read_kv(pseudo / "wav.scp")
    assert all(
        wav[u] == pseudo_wav[u.rsplit("-nb", 1)[0]] and spk[u] == u.split("-")[0]
        for u in want
    )
    speech, text_shape = read_kv(out / "shapes" / "speech_shape"), read_kv(
        out / "shapes" / "text_shape.bpe"
    )
    assert set(speech) == set(text_shape) == set(want) | {"L-lab1"}
    assert speech["s2-u3-nb1"] == speech["s2-u3-nb2"]
    assert all(v.endswith(",30") for v in text_shape.values())
    # the sampler accepts the dir as it is
    sampler = MixedBatchSampler(
        4, str(out / "shapes" / "speech_shape"), str(out / "utt2group"), 0.25, seed=0
    )
    assert sampler.kbest is not None and sorted(sampler.kbest.bases) == [
        "s1-u1",
        "s2-u3",
        "s2-u4",
    ]


def test_student_data_flag_off_and_without_nbest_files(tmp_path: Path, bpe) -> None:
    pseudo = _filtered(tmp_path)
    labeled = _labeled_dir(tmp_path / "lab")
    out = tmp_path / "train"
    args = [
        "--labeled",
        str(labeled),
        "--pseudo",
        str(pseudo),
        "--out",
        str(out),
        "--bpemodel",
        str(bpe[0]),
        "--token_list",
        str(bpe[1]),
    ]
    make_student_data.main(args)
    assert (out / "utt2weight").is_file()
    make_student_data.main(
        args + ["--nbest_training", "false"]
    )  # same out dir: stale K-best files go
    assert set(read_kv(out / "text")) == {"L-lab1", "s1-u1", "s2-u3", "s2-u4"}
    assert not (out / "utt2weight").exists() and not (out / "utt2base").exists()
    for path in pseudo.glob("nbest_*"):
        path.unlink()
    counts = build_student_data(labeled, pseudo, tmp_path / "train2", bpe[0], bpe[1])
    assert counts == {"labeled": 1, "pseudo": 3}
    assert not (tmp_path / "train2" / "utt2weight").exists()
    with pytest.raises(FileNotFoundError, match="K-best training needs nbest_text"):
        build_student_data(
            labeled, pseudo, tmp_path / "train3", bpe[0], bpe[1], nbest_training=True
        )
    with pytest.raises(SystemExit):
        make_student_data.main(args + ["--nbest_training", "maybe"])


def test_student_data_falls_back_to_the_1best_without_usable_hypotheses(
    tmp_path: Path, bpe
) -> None:
    rows = {
        "s1-u1": ("ONE", 0.9, [("", 1.0), ("", 0.0)]),
        "s1-u2": ("TWO", 0.9, [("TWO", 0.5), ("TOO", 0.5)]),
    }
    pl = _write_pl(tmp_path / "pl", rows, k=2, audio_dir=tmp_path / "audio")
    filter_pseudo.main(["--pseudo_dir", str(pl), "--out_dir", str(tmp_path / "pseudo")])
    counts = build_student_data(
        _labeled_dir(tmp_path / "lab"),
        tmp_path / "pseudo",
        tmp_path / "train",
        bpe[0],
        bpe[1],
    )
    assert counts == {"labeled": 1, "pseudo": 3, "pseudo_base": 2}
    assert read_kv(tmp_path / "train" / "text")["s1-u1-nb0"] == "ONE"
    assert read_kv(tmp_path / "train" / "utt2weight")["s1-u1-nb0"] == "1.000000"


# ------------------------------------------------------------------------------------------ sampler
WEIGHTS = {
    "b0": [0.6, 0.3, 0.1],
    "b1": [0.5, 0.5],
    "b2": [1.0],
    "b3": [0.05, 0.9, 0.05],
}


def _kbest_dir(root: Path, n_labeled: int, weights=WEIGHTS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(0)
    alts = {
        f"{b}-nb{k + 1}": (b, w) for b, ws in weights.items() for k, w in enumerate(ws)
    }
    labeled = [f"lab{i:04d}" for i in range(n_labeled)]
    lengths = {
        **{u: rng.randint(1000, 9000) for u in labeled},
        **{b: rng.randint(1000, 9000) for b in weights},
    }
    (root / "speech_shape").write_text(
        "".join(f"{u} {lengths[u]}\n" for u in labeled)
        + "".join(f"{a} {lengths[b]}\n" for a, (b, _) in alts.items())
    )
    (root / "utt2group").write_text(
        "".join(f"{u} labeled\n" for u in labeled)
        + "".join(f"{a} pseudo\n" for a in alts)
    )
    (root / "utt2base").write_text("".join(f"{a} {b}\n" for a, (b, _) in alts.items()))
    (root / "utt2weight").write_text(
        "".join(f"{a} {w}\n" for a, (_, w) in alts.items())
    )
    return root


def _sampler(
    root: Path, seed: int = 0, batch_size: int = 5, ratio: float = 0.2
) -> MixedBatchSampler:
    return MixedBatchSampler(
        batch_size, str(root / "speech_shape"), str(root / "utt2group"), ratio, seed
    )


def _passes(sampler: MixedBatchSampler) -> List[List[str]]:
    """The pseudo entries of each pass (num_pseudo = 4 bases -> one batch per pass here)."""
    return [[u for u in batch if not u.startswith("lab")] for batch in sampler]


def test_each_base_once_per_pass_and_frequencies_match_weights(tmp_path: Path) -> None:
    sampler = _sampler(
        _kbest_dir(tmp_path, n_labeled=4000)
    )  # 1 labeled + 4 bases per batch -> 4000 passes
    passes = _passes(sampler)
    assert len(passes) == 4000
    for entries in passes:
        assert sorted(u.rsplit("-nb", 1)[0] for u in entries) == sorted(WEIGHTS)
    counts = collections.Counter(u for entries in passes for u in entries)
    for base, weights in WEIGHTS.items():
        for k, weight in enumerate(weights):
            frequency = counts[f"{base}-nb{k + 1}"] / len(passes)
            sd = np.sqrt(weight * (1 - weight) / len(passes))
            assert abs(frequency - weight) <= 4 * sd + 1e-9, (
                base,
                k,
                frequency,
                weight,
            )
    non_top = sum(
        1
        for entries in passes
        for u in entries
        if u not in {"b0-nb1", "b1-nb1", "b2-nb1", "b3-nb2"}
    )
    assert sampler.kbest_stats == {"draws": 4 * len(passes), "non_top_draws": non_top}
    assert non_top / len(passes) == pytest.approx(0.4 + 0.5 + 0.0 + 0.1, abs=0.05)


def test_draw_frequencies_over_seeds_match_normalized_weights(tmp_path: Path) -> None:
    # unnormalized weights: the draw uses weight / sum over the base's alternatives
    kbest = KBestAlternatives(
        {"a-nb1": "a", "a-nb2": "a", "a-nb3": "a", "c-nb1": "c"},
        {"a-nb1": 2.0, "a-nb2": 1.0, "a-nb3": 1.0, "c-nb1": 3.0},
    )
    assert kbest.alternatives == [["a-nb1", "a-nb2", "a-nb3"], ["c-nb1"]]
    draws = collections.Counter()
    n = 0
    for seed in range(20):
        rng = np.random.RandomState(seed)
        for _ in range(500):
            drawn = kbest.draw(rng)
            assert drawn["c"] == "c-nb1"
            draws[drawn["a"]] += 1
            n += 1
    for alt, p in (("a-nb1", 0.5), ("a-nb2", 0.25), ("a-nb3", 0.25)):
        assert abs(draws[alt] / n - p) <= 4 * np.sqrt(p * (1 - p) / n)


def test_kbest_draws_are_deterministic_and_differ_between_passes_and_seeds(
    tmp_path: Path,
) -> None:
    root = _kbest_dir(tmp_path, n_labeled=200)
    first, again, other = (
        _sampler(root, seed=3),
        _sampler(root, seed=3),
        _sampler(root, seed=4),
    )
    assert first.batch_list == again.batch_list
    assert first.batch_list != other.batch_list
    assert (
        len({tuple(sorted(p)) for p in _passes(first)}) > 1
    )  # a fresh draw in every pass


def test_layout_without_kbest_is_unchanged_by_the_feature(tmp_path: Path) -> None:
    # the same dir with one alternative of weight 1 per base draws exactly that alternative
    single = {b: [1.0] for b in WEIGHTS}
    root = _kbest_dir(tmp_path / "kb", 30, single)
    kb = _sampler(root)
    plain_root = tmp_path / "plain"
    plain_root.mkdir()
    for name in ("speech_shape", "utt2group"):
        (plain_root / name).write_text((root / name).read_text())
    plain = _sampler(plain_root)
    assert plain.kbest is None and plain.kbest_stats == {}
    assert kb.batch_list == plain.batch_list
    assert kb.kbest_stats["non_top_draws"] == 0


@pytest.mark.parametrize(
    "mutate,pattern",
    [
        (
            lambda d: (d / "utt2weight").unlink(),
            r"utt2weight: missing; K-best training needs both",
        ),
        (
            lambda d: (d / "utt2base").unlink(),
            r"utt2base: missing; K-best training needs both",
        ),
        (
            lambda d: (d / "utt2weight").write_text(
                (d / "utt2weight").read_text().replace("b0-nb2 0.3", "b0-nb2 0")
            ),
            r"utt2weight: utterance 'b0-nb2': weight must be a positive number",
        ),
        (
            lambda d: (d / "utt2weight").write_text(
                (d / "utt2weight").read_text().replace("b0-nb2 0.3", "b0-nb2 x")
            ),
            r"utt2weight: utterance 'b0-nb2': not a number",
        ),
        (
            lambda d: (d / "utt2weight").write_text(
                (d / "utt2weight").read_text().replace("b0-nb2 0.3\n", "")
            ),
            r"utt2weight: utterance set differs from .*utt2base: 1 missing \(e.g. \['b0-nb2'\]\)",
        ),
        (
            lambda d: [
                (d / n).write_text((d / n).read_text() + line)
                for n, line in (
                    ("utt2base", "ghost-nb1 ghost\n"),
                    ("utt2weight", "ghost-nb1 1\n"),
                )
            ],
            r"utt2base: 1 utterance\(s\) \(e.g. \['ghost-nb1'\]\) not in .*utt2group",
        ),
        (
            lambda d: [
                (d / n).write_text((d / n).read_text() + line)
                for n, line in (
                    ("utt2base", "lab0000 b0\n"),
                    ("utt2weight", "lab0000 1\n"),
                )
            ],
            r"utt2base: 1 alternative\(s\) \(e.g. \['lab0000'\]\) are not 'pseudo'",
        ),
        (
            lambda d: [
                (d / n).write_text((d / n).read_text().replace(line, ""))
                for n, line in (
                    ("utt2base", "b2-nb1 b2\n"),
                    ("utt2weight", "b2-nb1 1.0\n"),
                )
            ],
            r"utt2base: no base utterance for 1 pseudo utterance\(s\).*b2-nb1",
        ),
        (
            lambda d: (d / "utt2base").write_text(
                (d / "utt2base").read_text().replace("b1-nb2 b1", "b1-nb2 b0-nb1")
            ),
            r"1 base utterance\(s\) \(e.g. \['b0-nb1'\]\) are themselves alternatives",
        ),
        (
            lambda d: (d / "utt2base").write_text(
                (d / "utt2base").read_text() + "b0-nb1 b0\n"
            ),
            r"utt2base:\d+: duplicate key 'b0-nb1'",
        ),
    ],
)
def test_kbest_sampler_errors(tmp_path: Path, mutate, pattern: str) -> None:
    root = _kbest_dir(tmp_path, 10)
    mutate(root)
    with pytest.raises((ValueError, FileNotFoundError), match=pattern):
        _sampler(root)


def test_task_iterator_draws_one_alternative_per_base_and_warns_without_mixing(
    tmp_path: Path, caplog
) -> None:
    from espnet2.train.distributed_utils import DistributedOption

    from bigssl.asr.task import BigSSLASRTask
    from tests.asr.test_mixing import _task_args, _write_wav_dir

    data = _write_wav_dir(
        tmp_path / "train", 12, 45
    )  # pse000..pse044: 15 bases with 3 alternatives each
    (data / "utt2base").write_text(
        "".join(f"pse{i:03d} base{i // 3:02d}\n" for i in range(45))
    )
    (data / "utt2weight").write_text(
        "".join(f"pse{i:03d} {(0.6, 0.3, 0.1)[i % 3]}\n" for i in range(45))
    )
    factory = BigSSLASRTask.build_iter_factory(
        _task_args(data, ["--nst_mix_ratio", "0.1"]), DistributedOption(), mode="train"
    )
    seen: collections.Counter = collections.Counter()
    for keys, batch in factory.build_iter(1):
        assert batch["speech"].shape[0] == len(keys)
        seen.update(k for k in keys if k.startswith("pse"))
    # 12 labeled, 1 per batch, 15 bases = 2 batches of <= 9 per pass -> 6 passes: each base drawn 6 times
    per_base = collections.Counter(
        f"base{int(u[3:]) // 3:02d}" for u in seen.elements()
    )
    assert per_base == {f"base{b:02d}": 6 for b in range(15)}
    caplog.set_level("WARNING")
    BigSSLASRTask.build_iter_factory(
        _task_args(data, []), DistributedOption(), mode="train"
    )
    assert "utt2weight exists but --nst_mix_ratio is 0" in caplog.text


def test_a_pseudo_dir_subset_keeps_rows_and_kbest_of_its_utterances(
    tmp_path: Path,
) -> None:
    """--nst_pseudo_from on a smaller set: the labels (and K-best files) of that set's utterances,
    byte for byte; an utterance without a label is an error naming it."""
    from bigssl.bin import subset_pseudo_dir as cli
    from bigssl.nst.pseudo_dir import load_pseudo_dir

    source = _write_pl(tmp_path / "pl")
    data = tmp_path / "data"
    data.mkdir()
    (data / "wav.scp").write_text("s1-u2 /audio/s1-u2.wav\ns2-u4 /audio/s2-u4.wav\n")
    (data / "utt2spk").write_text("s1-u2 s1\ns2-u4 s2\n")
    cli.main(
        ["--src", str(source), "--data_dir", str(data), "--out", str(tmp_path / "sub")]
    )
    subset, labels = load_pseudo_dir(tmp_path / "sub")
    assert [label.utt for label in labels] == ["s1-u2", "s2-u4"]
    assert [label.confidence for label in labels] == [0.2, 0.95]
    nbest = load_nbest(tmp_path / "sub", ["s1-u2", "s2-u4"])
    assert nbest is not None and nbest.texts["s2-u4"] == ["SIX", "", "SICKS"]
    for name in ("text", "nbest_weight.2"):
        rows = (source / name).read_text().splitlines()
        assert (tmp_path / "sub" / name).read_text().splitlines() == [rows[1], rows[3]]
    (data / "wav.scp").write_text("s1-u2 /audio/s1-u2.wav\ns9-u9 /audio/s9-u9.wav\n")
    (data / "utt2spk").write_text("s1-u2 s1\ns9-u9 s9\n")
    with pytest.raises(
        SystemExit, match="1 of 2 utterances have no pseudo-label .first: 's9-u9'"
    ):
        cli.main(
            [
                "--src",
                str(source),
                "--data_dir",
                str(data),
                "--out",
                str(tmp_path / "bad"),
            ]
        )
