"""K-best pseudo-label quality: per-rank, oracle and posterior-weighted expected WER."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigssl.nst.kbest_report import kbest_wers


def test_oracle_and_expected_wer_on_a_hand_made_example(tmp_path: Path) -> None:
    # u1 ref "A B": greedy "A C" (1 err); beam 1 "A C" w .75, beam 2 "A B" w .25
    # u2 ref "C D": greedy "C D" (0);     beam 1 "C D" w .5,  beam 2 "X D" w .5
    files = {
        "text": "u1 A C\nu2 C D\n",
        "nbest_text.1": "u1 A C\nu2 C D\n",
        "nbest_weight.1": "u1 0.75\nu2 0.5\n",
        "nbest_text.2": "u1 A B\nu2 X D\n",
        "nbest_weight.2": "u1 0.25\nu2 0.5\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    wers = kbest_wers(tmp_path, {"u1": "A B", "u2": "C D"})
    assert wers["greedy"] == pytest.approx(25.0)
    assert wers["beam_1"] == pytest.approx(25.0) and wers["beam_2"] == pytest.approx(
        25.0
    )
    assert wers["oracle"] == pytest.approx(0.0)
    assert wers["expected_posterior_weighted"] == pytest.approx(
        100.0 * (0.75 * 1 + 0.5 * 1) / 4
    )
    with pytest.raises(ValueError, match="u2"):
        kbest_wers(tmp_path, {"u1": "A B"})
