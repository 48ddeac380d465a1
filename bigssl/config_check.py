"""Check a run's configs before any stage: ESPnet's own parser with the run's overrides.

A training config is parsed by its task's ESPnet parser together with the options the pipeline
appends to it (``--asr_args``, ``--pretrain_args``, ``--lm_args``, ``--nst_student_args``), so an
unknown top-level key or option fails as it would at that stage, hours earlier. Every
``<name>_conf`` of a class choice (``encoder_conf``, ``frontend_conf``, ``model_conf``, ...) and
``optim_conf``/``scheduler_conf`` must name parameters that the chosen class accepts: ESPnet
passes them as keyword arguments when it builds the model, which is the first place a typo such
as ``num_blokcs`` would otherwise fail. A decode config must be a mapping of ``Speech2Text``
keyword arguments.
"""

from __future__ import annotations

import argparse
import inspect
import shlex
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional

import yaml

from bigssl.espnet_compat import quiet_espnet_imports


class ConfigError(ValueError):
    """A config (or its overrides) that the stage reading it would reject."""


def _task(kind: str) -> Any:
    quiet_espnet_imports()
    if kind in ("asr", "student"):
        from bigssl.asr.task import BigSSLASRTask

        return BigSSLASRTask
    if kind == "ssl":
        from bigssl.ssl.task import BigSSLTask

        return BigSSLTask
    if kind == "lm":
        from espnet2.tasks.lm import LMTask

        return LMTask
    raise ConfigError(f"unknown config kind '{kind}' (asr, student, ssl or lm)")


def load_yaml_mapping(path: Path) -> Dict[str, Any]:
    """The YAML mapping in ``path``; a syntax error or a non-mapping names the file (and line)."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    try:
        conf = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    if conf is None:
        return {}
    if not isinstance(conf, dict):
        raise ConfigError(
            f"{path}: a config must be a mapping of options, not a {type(conf).__name__}"
        )
    return conf


def unknown_keywords(target: Callable[..., Any], keys: Iterable[str]) -> List[str]:
    """The keys that ``target`` (a class or function) does not accept as keyword arguments."""
    signature = inspect.signature(target)
    params = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return []
    accepted = {
        p.name
        for p in params
        if p.kind
        in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    return sorted(k for k in keys if k not in accepted)


def _parse(task: Any, config: Path, overrides: str) -> argparse.Namespace:
    parser = task.get_parser()

    def fail(
        message: str,
    ) -> None:  # argparse's error() prints ESPnet's whole usage and exits
        raise ConfigError(message)

    parser.error = fail  # type: ignore[method-assign]
    try:
        return parser.parse_args(["--config", str(config), *shlex.split(overrides)])
    except ConfigError as error:
        where = f" with the overrides '{overrides}'" if overrides.strip() else ""
        raise ConfigError(f"{config}{where}: {error}") from error


def check_training_config(kind: str, config: Path, overrides: str = "") -> None:
    """Parse ``config`` + ``overrides`` as the stage would; check every ``*_conf`` against its class."""
    load_yaml_mapping(
        config
    )  # a clear message for syntax errors (ESPnet's parser raises raw)
    task = _task(kind)
    args = _parse(task, config, overrides)
    problems: List[str] = []
    choices = [(c.name, c.get_class) for c in task.class_choices_list]
    from espnet2.tasks.abs_task import optim_classes, scheduler_classes

    choices.append(("optim", lambda name: optim_classes.get(str(name).lower())))
    choices.append(("scheduler", lambda name: scheduler_classes.get(str(name).lower())))
    for name, get_class in choices:
        chosen = getattr(args, name, None)
        conf = getattr(args, f"{name}_conf", None) or {}
        if chosen is None or not conf:
            continue
        try:
            target: Optional[Callable[..., Any]] = get_class(chosen)
        except ValueError as error:
            problems.append(str(error))
            continue
        if target is None:
            continue
        unknown = unknown_keywords(target, conf)
        if unknown:
            problems.append(
                f"{name}_conf: {', '.join(unknown)} not accepted by --{name} {chosen} "
                f"({target.__module__}.{target.__name__})"
            )
    if problems:
        raise ConfigError(f"{config}: " + "; ".join(problems))


def check_decode_config(config: Path) -> None:
    """A decode config's keys must be ``Speech2Text`` keyword arguments."""
    conf = load_yaml_mapping(config)
    quiet_espnet_imports()
    from espnet2.bin.asr_inference import Speech2Text

    unknown = unknown_keywords(Speech2Text, conf)
    if unknown:
        raise ConfigError(
            f"{config}: {', '.join(unknown)} not accepted by Speech2Text (espnet2.bin.asr_inference)"
        )
