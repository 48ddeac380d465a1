"""Dry-run of every committed config: each builds its model, or is a valid Speech2Text option set."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Dict, List, Tuple

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


# The encoder options that change no weight's shape or name.
NOT_ARCHITECTURE = {
    "dropout_rate",
    "positional_dropout_rate",
    "attention_dropout_rate",
    "stochastic_depth_rate",
    "layer_drop_rate",
    "padding_idx",
    "use_flash_attn",  # an implementation, the same weights
}


def _encoder(config: Path) -> Tuple[str, Dict[str, object]]:
    """A config's encoder type and its architecture options, ESPnet's defaults filled in."""
    from espnet2.asr.encoder.conformer_encoder import ConformerEncoder

    conf = yaml.safe_load(config.read_text()) or {}
    options = dict(conf.get("encoder_conf") or {})
    if conf.get("encoder") == "conformer":
        for name, param in inspect.signature(
            ConformerEncoder.__init__
        ).parameters.items():
            if param.default is not inspect.Parameter.empty:
                options.setdefault(name, param.default)
    arch = {k: v for k, v in options.items() if k not in NOT_ARCHITECTURE}
    arch["n_mels"] = (conf.get("frontend_conf") or {}).get(
        "n_mels", 80
    )  # the input width
    return str(conf.get("encoder")), arch


def _ssl_configs(recipe: Path) -> List[Path]:
    """A recipe's pretraining configs: its conf/ssl, else TEMPLATE's (chime6 points there)."""
    own = sorted(recipe.glob("conf/ssl/*.yaml"))
    return own or sorted(REPO.glob("egs/TEMPLATE/asr1/conf/ssl/*.yaml"))


def _recipes_with_conformer_asr() -> List[Path]:
    conformer = [a for a in ASR_CONFIGS if _encoder(a)[0] == "conformer"]
    return sorted({a.parent.parent for a in conformer})


PAIRED_BY = ("output_size", "num_blocks", "input_layer")


def _ssl_asr_pairs() -> List[Tuple[Path, Path]]:
    """Every recipe's (pretraining config, ASR config) pairs meant to share an encoder: the same
    encoder type, width, depth and input layer; the ASR configs of the recipe's conf/ (students
    included).
    """
    pairs = []
    for recipe in _recipes_with_conformer_asr():
        asr_configs = sorted(set(ASR_CONFIGS) & set(recipe.glob("conf/train_*.yaml")))
        for ssl in _ssl_configs(recipe):
            kind, arch = _encoder(ssl)
            for asr in asr_configs:
                other_kind, other = _encoder(asr)
                if (kind, *(arch.get(k) for k in PAIRED_BY)) == (
                    other_kind,
                    *(other.get(k) for k in PAIRED_BY),
                ):
                    pairs.append((ssl, asr))
    return pairs


SSL_ASR_PAIRS = _ssl_asr_pairs()


def test_every_recipe_that_pretrains_has_a_config_pair_to_fine_tune() -> None:
    """A recipe whose pretraining encoder no ASR config shares (a width or depth changed on one
    side) would leave its pretraining unusable; the pairing rule must find each recipe.
    """
    recipes = {r.parts[-2] for r in _recipes_with_conformer_asr()}
    paired = {asr.parts[-4] for _, asr in SSL_ASR_PAIRS}
    assert recipes and recipes <= paired, sorted(recipes - paired)


@pytest.mark.parametrize(
    "ssl,asr",
    SSL_ASR_PAIRS,
    ids=[f"{s.relative_to(REPO)}->{a.relative_to(REPO)}" for s, a in SSL_ASR_PAIRS],
)
def test_pretrained_encoder_fits_the_asr_config_of_its_width(
    ssl: Path, asr: Path, tmp_path: Path
) -> None:
    """Stage 50 loads the pretraining's encoder into the ASR model (``--asr_init_ssl_iter``): every
    option that shapes a weight must agree; the CPU-sized pairs are also built and loaded strictly.
    """
    (_, arch), (_, other) = _encoder(ssl), _encoder(asr)
    differ = {
        k: (arch.get(k), other.get(k))
        for k in set(arch) | set(other)
        if arch.get(k) != other.get(k)
    }
    assert not differ, f"{ssl.name} vs {asr.name}: {differ}"
    if ssl not in CPU_SSL_CONFIGS:
        return  # XL and larger: too big to build here
    from bigssl.ssl.task import BigSSLTask

    model = BigSSLTask.build_model(_parse_with_config(BigSSLTask, ssl, []))
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("\n".join(["<blank>", "<unk>", "A", "<sos/eos>"]) + "\n")
    asr_model = BigSSLASRTask.build_model(
        _parse_with_config(BigSSLASRTask, asr, ["--token_list", str(tokens)])
    )
    asr_model.encoder.load_state_dict(model.encoder.state_dict(), strict=True)


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
