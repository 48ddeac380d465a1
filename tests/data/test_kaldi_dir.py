"""The one data-dir model (segments optional), the corpus readers' problem collector and the
nested labeled-fraction cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigssl.data.corpora.common import CorpusError, Problems
from bigssl.data.fractions import cut_fraction, seeded_order
from bigssl.data.kaldi_dir import DataDir, load_data_dir


def _segmented(time_decimals: int | None = None) -> DataDir:
    return DataDir(
        wav_scp={"rec1": "/a/rec1.wav", "rec2": "/a/rec2.wav"},
        utt2spk={"s1-u1": "s1", "s1-u2": "s1", "s2-u3": "s2"},
        text={"s1-u1": "one", "s1-u2": "two", "s2-u3": "three"},
        segments={
            "s1-u1": ("rec1", 0.4, 1.602625),
            "s1-u2": ("rec1", 2.0, -1),
            "s2-u3": ("rec2", 0.0, 3.5),
        },
        time_decimals=time_decimals,
    )


def test_segments_are_written_exactly_and_read_back(tmp_path: Path) -> None:
    data = _segmented()
    data.save(tmp_path / "d")
    assert (tmp_path / "d" / "segments").read_text().splitlines() == [
        "s1-u1 rec1 0.4 1.602625",
        "s1-u2 rec1 2.0 -1",
        "s2-u3 rec2 0.0 3.5",
    ]
    assert (tmp_path / "d" / "spk2utt").read_text() == "s1 s1-u1 s1-u2\ns2 s2-u3\n"
    loaded = load_data_dir(tmp_path / "d")
    assert loaded.segments == data.segments and loaded.utt_ids == data.utt_ids
    _segmented(time_decimals=2).save(tmp_path / "e")
    assert (tmp_path / "e" / "segments").read_text().splitlines()[:2] == [
        "s1-u1 rec1 0.40 1.60",
        "s1-u2 rec1 2.00 -1",
    ]


def test_subset_keeps_the_recordings_it_uses_and_save_removes_stale_files(
    tmp_path: Path,
) -> None:
    data = _segmented()
    part = data.subset(["s2-u3"])
    assert part.wav_scp == {"rec2": "/a/rec2.wav"} and list(part.segments) == ["s2-u3"]
    assert part.segment_seconds == 3.5
    data.save(tmp_path / "d")
    whole = DataDir(wav_scp={"u": "/a/u.wav"}, utt2spk={"u": "s"})
    whole.save(
        tmp_path / "d", write_text=False
    )  # text left as it is (e.g. pseudo-labels)
    assert not (tmp_path / "d" / "segments").exists()
    assert (tmp_path / "d" / "text").exists()
    whole.save(tmp_path / "d")  # a labeled save without text removes the stale one
    assert not (tmp_path / "d" / "text").exists()
    assert load_data_dir(tmp_path / "d").utt_ids == ["u"]


def test_problems_count_utterances_and_list_them_by_file_and_line() -> None:
    problems = Problems("get it from there", limit=2)
    problems.add("/c/f.csv:10", "empty text")
    problems.add("/c/f.csv:2", "empty speaker")
    problems.add("/c/rec.wav", "missing", utterances=4)
    problems.sort_by_line()
    assert problems.found[:2] == [
        "/c/f.csv:2: empty speaker",
        "/c/f.csv:10: empty text",
    ]
    assert problems.skipped == 6
    with pytest.raises(CorpusError) as err:
        problems.settle("the corpus", drop_bad=False)
    message = str(err.value)
    assert message.startswith("the corpus: 3 problem(s):\n  /c/f.csv:2: empty speaker")
    assert "... and 1 more" in message and "get it from there" in message
    assert "--drop_bad true" in message
    problems.add("/c/rec.wav", "missing", utterances=4)
    assert problems.settle("the corpus", drop_bad=True) == 4
    assert problems.settle("the corpus", drop_bad=True) == 0  # emptied by settle


@pytest.mark.parametrize(
    "fraction, total, labeled", [(0.5, 5, 3), (0.3, 15, 5), (0.1, 25, 3), (0.01, 5, 1)]
)
def test_a_fraction_is_rounded_half_up_and_nested(
    tmp_path: Path, fraction: float, total: int, labeled: int
) -> None:
    utts = [f"s-{i:02d}" for i in range(total)]
    pool = DataDir(
        wav_scp={u: f"/a/{u}.wav" for u in utts},
        utt2spk={u: "s" for u in utts},
        text={u: "words" for u in utts},
    )
    order = seeded_order(pool, seed=3)
    assert order == seeded_order(pool, seed=3) and sorted(order) == utts
    out = tmp_path / "out"
    chosen, rest = cut_fraction(
        pool, order, fraction, out / "l", out / "r", out / "ref" / "text"
    )
    assert len(chosen) == labeled and chosen + rest == order
    assert sorted(load_data_dir(out / "l").utt_ids) == sorted(chosen)
    assert not (out / "r" / "text").exists()
    assert len((out / "ref" / "text").read_text().splitlines()) == len(rest)
    cut_fraction(pool, order, 1.0, out / "l", out / "r", out / "ref" / "text")
    assert not (out / "r").exists() and not (out / "ref" / "text").exists()
