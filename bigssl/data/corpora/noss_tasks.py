"""The NOSS tasks this package prepares, by name, and the ones it cannot (restricted corpora).

:func:`prepare_task` reads a corpus (``noss_<corpus>.py``) and writes its listing,
:func:`bigssl.data.corpora.noss.format_task` turns the listing into the probe's task dir, and
:func:`data_section` is the RESULTS.md table of what was prepared (from each ``task.json``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

from bigssl.data.corpora.noss import SPLITS, CorpusError, Problems, write_listing
from bigssl.data.corpora.noss_asvspoof import CORPUS as ASVSPOOF
from bigssl.data.corpora.noss_asvspoof import read_asvspoof2019_la
from bigssl.data.corpora.noss_crema_d import CORPUS as CREMA_D
from bigssl.data.corpora.noss_crema_d import read_crema_d
from bigssl.data.corpora.noss_savee import CORPUS as SAVEE
from bigssl.data.corpora.noss_savee import read_savee
from bigssl.data.corpora.noss_speech_commands import CORPUS as SPEECH_COMMANDS
from bigssl.data.corpora.noss_speech_commands import read_speech_commands
from bigssl.data.corpora.noss_voxceleb1 import CORPUS as VOXCELEB1
from bigssl.data.corpora.noss_voxceleb1 import read_voxceleb1
from bigssl.data.corpora.noss_voxforge import CORPUS as VOXFORGE
from bigssl.data.corpora.noss_voxforge import read_voxforge
from bigssl.io_utils import PathLike
from bigssl.score.markdown import md_table

logger = logging.getLogger(__name__)

READERS: Dict[str, Callable] = {
    "voxceleb1": read_voxceleb1,
    "voxforge": read_voxforge,
    "speech_commands": read_speech_commands,
    "crema_d": read_crema_d,
    "asvspoof2019_la": read_asvspoof2019_la,
    "savee": read_savee,
}
CORPORA = {
    "voxceleb1": VOXCELEB1,
    "voxforge": VOXFORGE,
    "speech_commands": SPEECH_COMMANDS,
    "crema_d": CREMA_D,
    "asvspoof2019_la": ASVSPOOF,
    "savee": SAVEE,
}
TASKS = tuple(READERS)
# NOSS / BigSSL tasks whose data cannot be prepared from a public release.
UNAVAILABLE = {
    "dementiabank": "DementiaBank (https://dementia.talkbank.org) is restricted to TalkBank "
    "members; not prepared here",
    "masked_speech": "the Mask Augsburg Speech Corpus (INTERSPEECH 2020 ComParE Mask "
    "sub-challenge) is given by the challenge organizers on request; not prepared here",
    "euphonia": "Project Euphonia's data is Google's and not released; not prepared here",
    "iemocap": "IEMOCAP (https://sail.usc.edu/iemocap/) is licensed on request; not "
    "prepared here",
}


def prepare_task(
    task: str,
    root: PathLike,
    listing_dir: PathLike,
    drop_bad: bool = False,
    test_root: Optional[PathLike] = None,
) -> Path:
    """Read ``task``'s corpus at ``root`` and write ``<listing_dir>/<task>/``."""
    if task in UNAVAILABLE:
        raise CorpusError(f"task '{task}': {UNAVAILABLE[task]}")
    if task not in READERS:
        raise CorpusError(
            f"unknown task '{task}' (known: {', '.join(TASKS)}; not available: "
            f"{', '.join(UNAVAILABLE)})"
        )
    if test_root is not None and task != "speech_commands":
        raise CorpusError(f"task '{task}': a test root is for speech_commands only")
    problems = Problems(CORPORA[task].obtain())
    extra = {"test_root": Path(test_root)} if test_root is not None else {}
    data = READERS[task](Path(root), problems, **extra)
    skipped = problems.settle(f"{task} ({CORPORA[task].name} at {root})", drop_bad)
    if skipped:
        logger.warning("%s: %d utterance(s) or file(s) skipped", task, skipped)
    return write_listing(data, listing_dir)


def data_section(data_dir: PathLike, tasks: Sequence[str]) -> str:
    """Markdown: per task, the corpus, classes, utterances (hours) per split, dropped utterances."""
    rows = []
    for task in tasks:
        info_path = Path(data_dir) / task / "task.json"
        if not info_path.is_file():
            raise CorpusError(f"{info_path}: missing (run the format step first)")
        info = json.loads(info_path.read_text(encoding="utf-8"))
        cells = [
            f"{sum(info['counts'][s].values())} ({info['hours'][s]:.2f} h)"
            for s in SPLITS
        ]
        rows.append(
            [
                task,
                info["corpus"],
                str(len(info["classes"])),
                *cells,
                str(info.get("dropped", 0)),
            ]
        )
    return (
        "## NOSS data\n\n"
        "Utterances (hours) per split as prepared (`bigssl.data.corpora.noss`); how each task's "
        "splits are made is in its `task.json` and the recipe's README.md.\n\n"
        + md_table(
            [
                "task",
                "corpus",
                "classes",
                "train",
                "dev",
                "test",
                "dropped (--drop_bad)",
            ],
            rows,
        )
        + "\n"
    )
