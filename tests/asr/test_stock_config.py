"""After training, config.yaml is made loadable by stock ESPnet (bigssl's SpecAugment -> null)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bigssl.asr.stock_config import make_stock


def _write(exp: Path, specaug: object) -> str:
    exp.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(
        {
            "specaug": specaug,
            "specaug_conf": {"num_freq_mask": 2},
            "nst_mix_ratio": 0.1,
            "encoder": "conformer",
        }
    )
    (exp / "config.yaml").write_text(text)
    return text


def test_bigssl_specaug_becomes_null_and_the_training_config_is_kept(
    tmp_path: Path,
) -> None:
    original = _write(tmp_path / "exp", "adaptive_specaug")
    assert make_stock(tmp_path / "exp")
    config = yaml.safe_load((tmp_path / "exp/config.yaml").read_text())
    assert config["specaug"] is None and config["specaug_conf"] == {}
    assert config["encoder"] == "conformer" and config["nst_mix_ratio"] == 0.1
    assert (tmp_path / "exp/config.train.yaml").read_text() == original
    assert not make_stock(tmp_path / "exp")  # idempotent
    assert (tmp_path / "exp/config.train.yaml").read_text() == original


def test_stock_choices_are_left_alone(tmp_path: Path) -> None:
    for name, specaug in (("a", "specaug"), ("b", None)):
        original = _write(tmp_path / name, specaug)
        assert not make_stock(tmp_path / name)
        assert (tmp_path / name / "config.yaml").read_text() == original
        assert not (tmp_path / name / "config.train.yaml").exists()
