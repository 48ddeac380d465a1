"""The student's data: several pseudo-labeled dirs (NST with growing data) and their precedence."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Dict

import pytest

from bigssl.data.kaldi_dir import DataDir
from bigssl.nst.student_data import build_student_data, merge_groups, union_pseudo


def _pseudo_dir(root: Path, name: str, labels: Dict[str, str]) -> Path:
    data = DataDir(
        wav_scp={u: f"/audio/{u}.wav" for u in labels},
        utt2spk={u: u.split("-")[0] for u in labels},
        text=dict(labels),
    )
    data.save(root / name)
    return root / name


def test_union_keeps_the_first_dirs_label_and_counts_the_dropped_ones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    newest = _pseudo_dir(tmp_path, "gen2", {"a-1": "new one", "a-2": "new two"})
    earlier = _pseudo_dir(tmp_path, "gen1", {"a-2": "old two", "b-3": "old three"})
    with caplog.at_level(logging.INFO):
        union = union_pseudo([newest, earlier])
    assert union.text == {"a-1": "new one", "a-2": "new two", "b-3": "old three"}
    assert union.utt2spk == {"a-1": "a", "a-2": "a", "b-3": "b"}
    assert set(union.wav_scp) == {"a-1", "a-2", "b-3"}
    assert "1 of its 2 utterances are labeled by an earlier dir" in caplog.text


def test_grown_pseudo_data_still_may_not_share_an_utterance_with_the_labeled_set(
    tmp_path: Path,
) -> None:
    labeled = DataDir(
        wav_scp={"b-3": "/x.wav"}, utt2spk={"b-3": "b"}, text={"b-3": "t"}
    )
    union = union_pseudo(
        [
            _pseudo_dir(tmp_path, "gen2", {"a-1": "one"}),
            _pseudo_dir(tmp_path, "gen1", {"b-3": "three"}),
        ]
    )
    with pytest.raises(ValueError, match="b-3.*both labeled and pseudo-labeled"):
        merge_groups(labeled, union)


def test_reference_transcripts_replace_one_pseudo_dir_only(tmp_path: Path) -> None:
    dirs = [
        _pseudo_dir(tmp_path, "gen2", {"a-1": "one"}),
        _pseudo_dir(tmp_path, "gen1", {"b-3": "three"}),
    ]
    with pytest.raises(ValueError, match="one pseudo dir's transcripts, not 2's"):
        build_student_data(
            tmp_path / "labeled",
            dirs,
            tmp_path / "out",
            tmp_path / "bpe.model",
            tmp_path / "tokens.txt",
            pseudo_text=tmp_path / "text",
        )
