"""Generate a recipe's RESULTS.md from scored decoding directories (never hand-typed)."""

from __future__ import annotations

import datetime
import json
import platform
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bigssl.io_utils import PathLike, write_text_atomic
from bigssl.score.markdown import md_table

COLUMNS = ("Snt", "Wrd", "Corr", "Sub", "Del", "Ins", "Err", "S.Err")


def environment_block(repo_dir: Optional[PathLike] = None) -> str:
    """Date, git hash and package versions, as ESPnet's show_asr_result.sh prints them."""
    import espnet
    import torch
    import torchaudio

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=repo_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except (subprocess.CalledProcessError, FileNotFoundError):
        commit = "unknown (not a git checkout)"
    return "\n".join(
        [
            f"- date: `{datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M:%S %Z')}`",
            f"- bigssl git hash: `{commit}`",
            f"- python `{platform.python_version()}`, torch `{torch.__version__}`, torchaudio `{torchaudio.__version__}`, "
            f"espnet `{espnet.__version__}`",
            f"- machine: `{platform.machine()}`, {_cpu_count()} CPU cores, GPU: {_gpu_name(torch)}",
        ]
    )


def _cpu_count() -> int:
    import os

    return (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else (os.cpu_count() or 1)
    )


def _gpu_name(torch_module) -> str:  # type: ignore[no-untyped-def]
    return (
        torch_module.cuda.get_device_name(0)
        if torch_module.cuda.is_available()
        else "none"
    )


def sclite_table(rows: Sequence[Dict[str, object]], first_column: str) -> str:
    """A sclite-style markdown table; each row has ``first_column`` plus COLUMNS."""
    return md_table(
        [first_column, *COLUMNS],
        ([r[first_column], *(r[c] for c in COLUMNS)] for r in rows),
    )


def find_result(exp_dir: Path, test_set: str, unit: str) -> Path:
    """``<exp>/decode_*/<test_set>/score_<unit>/result.json`` (exactly one), or EXP_DIR as a decode dir."""
    direct = exp_dir / test_set / f"score_{unit}" / "result.json"
    if direct.is_file():
        return direct
    found = sorted(exp_dir.glob(f"decode_*/{test_set}/score_{unit}/result.json"))
    if not found:
        raise FileNotFoundError(
            f"{exp_dir}: no scored decoding of '{test_set}' "
            f"(looked for {exp_dir}/decode_*/{test_set}/score_{unit}/result.json)"
        )
    if len(found) > 1:
        raise ValueError(
            f"{exp_dir}: {len(found)} scored decodings of '{test_set}' ({[str(p) for p in found]}); "
            "pass the decode dir itself as EXP_DIR"
        )
    return found[0]


def load_error_rate(exp_dir: Path, test_set: str, unit: str = "wer") -> float:
    """The error rate (``Err``, %) of ``exp_dir``'s one scored decoding of ``test_set``."""
    path = find_result(exp_dir, test_set, unit)
    try:
        return float(json.loads(path.read_text())["Err"])
    except (KeyError, ValueError, TypeError) as err:
        raise ValueError(f"{path}: no numeric 'Err' ({err})") from None


def run_label(run_dir: PathLike, main_expdir: Optional[PathLike] = None) -> str:
    """A run's name in the tables: bare under ``main_expdir`` (or when none is given), else ``<dir>/<run>``."""
    run_dir = Path(run_dir)
    if main_expdir is None or run_dir.parent == Path(main_expdir):
        return run_dir.name
    return f"{run_dir.parent.name}/{run_dir.name}"


def corpus_section(
    data_dir: Path,
    train_summaries: Sequence[Path],
    main_expdir: Optional[PathLike] = None,
) -> str:
    """Hours per split and training cost, when the recipe recorded them."""
    lines = []
    hours_file = data_dir / "local" / "corpus_hours.json"
    if hours_file.is_file():
        hours = json.loads(hours_file.read_text())
        lines.append(
            md_table(
                ["split", "hours"], ([k, f"{v:.2f}"] for k, v in sorted(hours.items()))
            )
        )
    if train_summaries:
        infos = [
            (run_label(p.parent, main_expdir), json.loads(p.read_text()))
            for p in train_summaries
        ]
        keys = list(dict.fromkeys(k for _, info in infos for k in info))
        table = md_table(
            ["experiment", *keys],
            ([name, *(info.get(k, "") for k in keys)] for name, info in infos),
        )
        lines.append(
            "Training cost, counted from each run: batches = ESPnet's batch count over the "
            "completed epochs, steps = optimizer updates, audio_hours_processed = batches x mean "
            "audio per batch of the training sampler, data_passes = audio_hours_processed / "
            "train_hours; wall hours are ESPnet's summed train + valid epoch times; "
            "audio_sec_per_sec = audio processed per wall second:\n\n" + table
        )
    return "## Data and training\n\n" + "\n\n".join(lines) + "\n" if lines else ""


def collect_scores(
    exp_dirs: Sequence[PathLike], unit: str, main_expdir: Optional[PathLike] = None
) -> List[Dict[str, object]]:
    """Rows for every ``<exp>/decode_*/<set>/score_<unit>/result.json`` under the given exp dirs."""
    rows = []
    for exp in exp_dirs:
        for result in sorted(Path(exp).glob(f"decode_*/*/score_{unit}/result.json")):
            row = json.loads(result.read_text())
            row["dataset"] = (
                f"{run_label(exp, main_expdir)}/{result.parent.parent.parent.name}/{result.parent.parent.name}"
            )
            rows.append(row)
    return rows


def write_results(
    out_path: PathLike,
    title: str,
    exp_dirs: Sequence[PathLike],
    commands: Sequence[str],
    sections: Sequence[str] = (),
    repo_dir: Optional[PathLike] = None,
    main_expdir: Optional[PathLike] = None,
    headline: str = "",
) -> str:
    """Write RESULTS.md atomically and return its text; ``headline`` (a section) comes first, under
    the title, before the environment: the table a newcomer reads first."""
    parts = [
        f"<!-- Generated by `python -m bigssl.bin.write_results`; do not edit by hand. -->\n# {title}\n",
        *([headline] if headline else []),
        "## Environment\n" + environment_block(repo_dir) + "\n",
        "## Commands\n```bash\n" + "\n".join(commands) + "\n```\n",
        *sections,
    ]
    for unit, name in (("wer", "WER"), ("cer", "CER")):
        rows = collect_scores(exp_dirs, unit, main_expdir)
        if rows:
            parts.append(f"## {name}\n\n" + sclite_table(rows, "dataset") + "\n")
    text = "\n".join(parts)
    write_text_atomic(out_path, text)
    return text


def write_recipe_results(
    out_path: PathLike,
    title: str,
    exp_dirs: Sequence[Path],
    data_dir: Path,
    commands: Sequence[str] = (),
    summaries: Sequence[Path] = (),
    section_files: Sequence[Path] = (),
    main_expdir: Optional[PathLike] = None,
    headline_file: Optional[Path] = None,
) -> str:
    """RESULTS.md of a recipe: the given commands, then each experiment's recorded ``run_command``;
    the corpus and training-cost section (``summaries`` plus each experiment's ``train_summary.json``);
    the extra sections; and the score tables of every experiment. Runs outside ``main_expdir`` are
    named ``<dir>/<run>``. ``headline_file`` (a section, when it exists) opens the file.
    """
    all_summaries = list(summaries) + [
        p for e in exp_dirs for p in sorted(Path(e).glob("train_summary.json"))
    ]
    all_commands = list(commands)
    for exp in exp_dirs:
        recorded = Path(exp) / "run_command"
        if recorded.is_file() and recorded.read_text().strip() not in all_commands:
            all_commands.append(recorded.read_text().strip())
    sections = [corpus_section(data_dir, all_summaries, main_expdir)] + [
        p.read_text() for p in section_files if p.is_file()
    ]
    return write_results(
        out_path,
        title,
        exp_dirs,
        all_commands,
        [s for s in sections if s],
        repo_dir=Path.cwd(),
        main_expdir=main_expdir,
        headline=(
            headline_file.read_text()
            if headline_file is not None and headline_file.is_file()
            else ""
        ),
    )
