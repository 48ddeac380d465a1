"""Dry-run of every committed config: each builds its model, or is a valid Speech2Text option set."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml

from bigssl.espnet_compat import quiet_espnet_imports
from tests.conftest import REPO

quiet_espnet_imports()
from bigssl.asr.task import BigSSLASRTask  # noqa: E402

LM_CONFIGS = sorted(REPO.glob("egs/*/asr1/conf/train_lm*.yaml"))
ASR_CONFIGS = sorted(set(REPO.glob("egs/*/asr1/conf/train_*.yaml")) - set(LM_CONFIGS))
DECODE_CONFIGS = sorted(REPO.glob("egs/*/asr1/conf/decode_*.yaml"))
CPU_SSL_CONFIGS = sorted(
    p for p in REPO.glob("egs/*/asr1/conf/ssl/*.yaml") if "mini" in p.name
)


def _parse_with_config(task, config: Path, extra: list) -> object:  # type: ignore[no-untyped-def]
    """ESPnet's own parsing of a config file, so unknown keys fail as they would in training."""
    parser = task.get_parser()
    return parser.parse_args(
        ["--config", str(config), "--output_dir", "unused", *extra]
    )


@pytest.mark.parametrize("config", ASR_CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_asr_config_builds_a_model(config: Path, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("\n".join(["<blank>", "<unk>", "A", "B", "<sos/eos>"]) + "\n")
    args = _parse_with_config(BigSSLASRTask, config, ["--token_list", str(tokens)])
    model = BigSSLASRTask.build_model(args)
    assert sum(p.numel() for p in model.parameters()) > 1000


@pytest.mark.parametrize("config", LM_CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_lm_config_builds_a_model(config: Path, tmp_path: Path) -> None:
    from espnet2.tasks.lm import LMTask

    tokens = tmp_path / "tokens.txt"
    tokens.write_text("\n".join(["<blank>", "<unk>", "A", "B", "<sos/eos>"]) + "\n")
    args = _parse_with_config(LMTask, config, ["--token_list", str(tokens)])
    assert sum(p.numel() for p in LMTask.build_model(args).parameters()) > 1000


@pytest.mark.parametrize(
    "config", CPU_SSL_CONFIGS, ids=lambda p: str(p.relative_to(REPO))
)
def test_ssl_config_builds_a_model_whose_encoder_fits_the_recipe_asr_config(
    config: Path, tmp_path: Path
) -> None:
    from bigssl.ssl.task import BigSSLTask

    args = _parse_with_config(BigSSLTask, config, [])
    model = BigSSLTask.build_model(args)
    asr_config = config.parent.parent / "train_asr_conformer_ctc.yaml"
    if asr_config.is_file():
        tokens = tmp_path / "tokens.txt"
        tokens.write_text("\n".join(["<blank>", "<unk>", "A", "<sos/eos>"]) + "\n")
        asr = BigSSLASRTask.build_model(
            _parse_with_config(BigSSLASRTask, asr_config, ["--token_list", str(tokens)])
        )
        asr.encoder.load_state_dict(model.encoder.state_dict(), strict=True)


@pytest.mark.parametrize(
    "config", DECODE_CONFIGS, ids=lambda p: str(p.relative_to(REPO))
)
def test_decode_config_keys_are_speech2text_options(config: Path) -> None:
    from espnet2.bin.asr_inference import Speech2Text

    accepted = set(inspect.signature(Speech2Text.__init__).parameters)
    options = yaml.safe_load(config.read_text())
    assert options and set(options) <= accepted, set(options) - accepted


def test_there_are_configs_to_check() -> None:
    assert ASR_CONFIGS and DECODE_CONFIGS and CPU_SSL_CONFIGS


ALL_SSL_CONFIGS = sorted(
    {p.resolve() for p in REPO.glob("egs/*/asr1/conf/ssl/*.yaml")}
    - {p.resolve() for p in CPU_SSL_CONFIGS}
)


@pytest.mark.parametrize(
    "config", ALL_SSL_CONFIGS, ids=lambda p: str(p.relative_to(REPO))
)
def test_large_ssl_configs_parse_as_espnet_would_read_them(config: Path) -> None:
    """XL/XXL/G are too big to build on a CI machine (G alone is ~32 GB of fp32 weights): ESPnet's
    own parser reads them (unknown keys fail) and the encoder block names valid Conformer options.
    """
    from espnet2.asr.encoder.conformer_encoder import ConformerEncoder

    from bigssl.ssl.task import BigSSLTask

    args = _parse_with_config(BigSSLTask, config, [])
    assert args.encoder == "conformer"
    accepted = set(inspect.signature(ConformerEncoder.__init__).parameters)
    assert set(args.encoder_conf) <= accepted, set(args.encoder_conf) - accepted
