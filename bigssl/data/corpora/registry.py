"""The corpora ``python -m bigssl.bin.prepare <corpus>`` prepares, as Lhotse's ``prepare`` does.

Each entry of :data:`CORPORA` gives a corpus's command-line options (``add_arguments``) and the call
of its module's ``prepare_<corpus>`` function with them (``prepare``). A new corpus: write its
module's prepare function, then an ``add_arguments``/``prepare`` pair and an entry here.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict

from bigssl.data.corpora.chime6 import (
    BAD_WORN,
    WORN_CHANNELS,
    Chime6Options,
    prepare_chime6,
)
from bigssl.data.corpora.librispeech import (
    LIBRILIGHT_SUBSETS,
    LIBRISPEECH_PARTS,
    VAD_TARGET_SECONDS,
    prepare_corpus,
)
from bigssl.data.corpora.manifest import TEXT_NORMS, prepare_data_dirs
from bigssl.data.corpora.noss_tasks import TASKS, prepare_task
from bigssl.data.corpora.speechstew_corpora import READERS, prepare_speechstew


@dataclass(frozen=True)
class Corpus:
    """One corpus of the ``prepare`` command."""

    help: str  # one line, in the list of ``prepare --help``
    description: str  # the subcommand's ``--help``: what is read and what is written
    add_arguments: Callable[[argparse.ArgumentParser], None]
    prepare: Callable[
        [argparse.Namespace], object
    ]  # the prepare function, given the options


def true_false(value: str) -> bool:
    """``true`` or ``false``, as the recipes' shell options take them."""
    if value not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"expected true or false, not '{value}'")
    return value == "true"


def add_drop_bad(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--drop_bad",
        type=true_false,
        default=False,
        metavar="{true,false}",
        help="skip (log and count) bad utterances instead of failing",
    )


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data_dir", type=Path, default=Path("data"), help="where the data dirs go"
    )


# ---- chime6 -------------------------------------------------------------------------------------


def chime6_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--chime6_root",
        type=Path,
        required=True,
        help="holds audio/{train,dev,eval} and transcriptions/{train,dev,eval}",
    )
    _add_data_dir(parser)
    parser.add_argument(
        "--mic",
        nargs="+",
        default=["worn", "array"],
        help="worn: {train,dev,eval}_worn; array: {dev,eval}_array",
    )
    parser.add_argument(
        "--worn_channel",
        choices=WORN_CHANNELS,
        default="stereo",
        help="stereo: the 2-channel file (the pipeline's --audio_channel picks one); "
        "left/right: one channel by a sox pipe; both: two recordings per worn mic",
    )
    parser.add_argument(
        "--array",
        default="ref",
        help="ref: each utterance's reference array (the transcript's 'ref'); or U01..U06",
    )
    parser.add_argument(
        "--array_channel", type=int, default=1, help="microphone of the array, 1..4"
    )
    parser.add_argument(
        "--speed_perturb",
        nargs="*",
        default=[],
        help="speed factors of data/train_worn_sp, e.g. 0.9 1.0 1.1 (none: no such set)",
    )
    parser.add_argument(
        "--exclude_worn",
        nargs="*",
        default=list(BAD_WORN),
        help="<speaker>_<session> worn mics left out (default: the Kaldi baseline's)",
    )
    add_drop_bad(parser)


def chime6(args: argparse.Namespace) -> object:
    options = Chime6Options(
        mics=args.mic,
        worn_channel=args.worn_channel,
        array=args.array,
        array_channel=args.array_channel,
        speed_perturb=args.speed_perturb,
        exclude_worn=args.exclude_worn,
        drop_bad=args.drop_bad,
    )
    return prepare_chime6(args.chime6_root, args.data_dir, options)


# ---- librispeech --------------------------------------------------------------------------------


def librispeech_arguments(parser: argparse.ArgumentParser) -> None:
    _add_data_dir(parser)
    parser.add_argument(
        "--librispeech_root",
        type=Path,
        required=True,
        help="directory holding LibriSpeech/ (https://www.openslr.org/12)",
    )
    parser.add_argument(
        "--parts",
        nargs="*",
        default=list(LIBRISPEECH_PARTS),
        help="LibriSpeech parts to prepare",
    )
    parser.add_argument(
        "--librilight_root",
        type=Path,
        default=None,
        help="directory holding librispeech_finetuning/ and small/ medium/ large/ "
        "(https://github.com/facebookresearch/libri-light)",
    )
    parser.add_argument(
        "--librilight_limited",
        type=true_false,
        default=True,
        metavar="{true,false}",
        help="with --librilight_root: write train_10min, train_1h, train_10h",
    )
    parser.add_argument(
        "--librilight_subsets",
        nargs="*",
        default=list(LIBRILIGHT_SUBSETS),
        help="with --librilight_root: unlabeled subsets, written together as data/librilight",
    )
    parser.add_argument(
        "--vad_target_seconds",
        type=float,
        default=VAD_TARGET_SECONDS,
        help="voiced seconds per pretraining segment (Libri-Light cut_by_vad.py's target)",
    )
    parser.add_argument(
        "--lm_text",
        type=Path,
        default=None,
        help="librispeech-lm-norm.txt[.gz], added to data/local/lm_train.txt",
    )
    add_drop_bad(parser)


def librispeech(args: argparse.Namespace) -> object:
    return prepare_corpus(
        args.data_dir,
        args.librispeech_root,
        parts=args.parts,
        librilight_root=args.librilight_root,
        librilight_limited=args.librilight_limited,
        librilight_subsets=args.librilight_subsets,
        vad_target_seconds=args.vad_target_seconds,
        lm_text=args.lm_text,
        drop_bad=args.drop_bad,
    )


# ---- manifest (your own data) -------------------------------------------------------------------


def manifest_arguments(parser: argparse.ArgumentParser) -> None:
    _add_data_dir(parser)
    parser.add_argument(
        "--train", type=Path, required=True, help="labeled training data"
    )
    parser.add_argument(
        "--dev", type=Path, required=True, help="labeled validation data"
    )
    parser.add_argument(
        "--test", type=Path, action="append", default=[], help="a test set (repeat)"
    )
    parser.add_argument("--unlabeled_dir", type=Path, help="directory tree of audio")
    parser.add_argument("--unlabeled_manifest", type=Path, help="CSV/JSONL with path")
    parser.add_argument("--lm_text", type=Path, help="-> DATA_DIR/local/lm_train.txt")
    add_drop_bad(parser)
    parser.add_argument(
        "--text_norm",
        choices=TEXT_NORMS,
        default="written",
        help="written: lower case, no punctuation, numbers and symbols spelled out (WER counts "
        "words); verbatim: transcripts as given",
    )
    parser.add_argument(
        "--read_durations",
        type=true_false,
        default=True,
        metavar="{true,false}",
        help="read every audio header for the hours in DATA_DIR/local/corpus_hours.json",
    )


def manifest(args: argparse.Namespace) -> object:
    return prepare_data_dirs(
        args.data_dir,
        args.train,
        args.dev,
        args.test,
        args.unlabeled_dir,
        args.unlabeled_manifest,
        args.lm_text,
        args.drop_bad,
        args.read_durations,
        args.text_norm,
    )


# ---- noss ---------------------------------------------------------------------------------------


def noss_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, help=f"one of {', '.join(TASKS)}")
    parser.add_argument(
        "--root", type=Path, required=True, help="the corpus as released"
    )
    parser.add_argument(
        "--test_root",
        type=Path,
        default=None,
        help="speech_commands only: the extracted speech_commands_test_set_v0.02 as test",
    )
    parser.add_argument(
        "--listing_dir", type=Path, required=True, help="where <task>/ is written"
    )
    add_drop_bad(parser)


def noss(args: argparse.Namespace) -> object:
    return prepare_task(
        args.task, args.root, args.listing_dir, args.drop_bad, args.test_root
    )


# ---- speechstew ---------------------------------------------------------------------------------


def speechstew_arguments(parser: argparse.ArgumentParser) -> None:
    for corpus in READERS:
        parser.add_argument(
            f"--{corpus}_root", default="", help=f"{corpus} release root ('' skips it)"
        )
    _add_data_dir(parser)
    parser.add_argument(
        "--weights",
        default="",
        help="per-corpus sampling weights, e.g. 'ami_ihm=2,bn=0.5' (default 1 each)",
    )
    parser.add_argument(
        "--sph_reader",
        choices=["", "sph2pipe", "sox"],
        default="",
        help="SPHERE reader ('': sph2pipe if installed, else sox)",
    )
    parser.add_argument(
        "--ami_mics", default="ihm,sdm", help="AMI microphones: ihm, sdm or both"
    )
    parser.add_argument(
        "--commonvoice_train",
        choices=["train", "validated"],
        default="train",
        help="Common Voice training TSV",
    )
    parser.add_argument(
        "--tedlium3_split",
        choices=["legacy", "speaker-adaptation"],
        default="legacy",
        help="TED-LIUM 3 split",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the fractional-weight subsampling"
    )


def speechstew(args: argparse.Namespace) -> object:
    return prepare_speechstew(
        {corpus: getattr(args, f"{corpus}_root") for corpus in READERS},
        args.data_dir,
        weights=args.weights,
        sph_reader=args.sph_reader,
        options={
            "ami": {"mics": args.ami_mics},
            "commonvoice": {"train_tsv": args.commonvoice_train},
            "tedlium3": {"release_split": args.tedlium3_split},
        },
        seed=args.seed,
    )


CORPORA: Dict[str, Corpus] = {
    "chime6": Corpus(
        "CHiME-6 (array-synchronized release) -> worn/array data dirs with segments",
        "Kaldi data dirs (with segments) from the array-synchronized CHiME-6 release.\n\n"
        "Writes data/{train,dev,eval}_worn (each utterance from its speaker's worn mic),\n"
        "data/{dev,eval}_array (from one microphone of an array) and, with --speed_perturb,\n"
        "data/train_worn_sp; see bigssl.data.corpora.chime6 for the layout read and the text\n"
        "normalization.",
        chime6_arguments,
        chime6,
    ),
    "librispeech": Corpus(
        "LibriSpeech (+ Libri-Light's labeled and unlabeled sets)",
        "Kaldi data dirs of LibriSpeech (+ Libri-Light's labeled 10 min/1 h/10 h and unlabeled\n"
        "sets); see bigssl.data.corpora.librispeech.",
        librispeech_arguments,
        librispeech,
    ),
    "manifest": Corpus(
        "your own data: Kaldi data dirs or CSV/JSONL manifests (+ unlabeled audio)",
        "Bring your own data: Kaldi data dirs or CSV/JSONL manifests (+ unlabeled audio) ->\n"
        "DATA_DIR/<set>.\n\n"
        "    python -m bigssl.bin.prepare manifest --data_dir data --train train.csv \\\n"
        "        --dev dev.jsonl --test test.csv --test /corpora/vs/kaldi/test_noisy \\\n"
        "        --unlabeled_dir /corpora/vs/untranscribed\n\n"
        "Each of --train/--dev/--test is a Kaldi data dir or a manifest (.csv with a header row,\n"
        "or .jsonl): path, text, speaker and optional start, end (seconds), id. Test sets are\n"
        "named after the input (dir name or file stem). Unlabeled audio (--unlabeled_dir,\n"
        "recursive .wav .flac .mp3 .ogg, and/or --unlabeled_manifest) goes to DATA_DIR/unlabeled.\n"
        "Errors name the file and line of each bad row; --drop_bad true skips them (logged,\n"
        "counted). See bigssl.data.corpora.manifest.",
        manifest_arguments,
        manifest,
    ),
    "noss": Corpus(
        "a NOSS task's listing (utterances, labels, splits) from its corpus",
        "A NOSS task's utterances, labels and splits listed from its corpus's release layout\n"
        "into LISTING_DIR/<task>/ (egs/noss/probe1 stage 10; python -m bigssl.bin.noss_data\n"
        "formats the listing into the probe's task dir).",
        noss_arguments,
        noss,
    ),
    "speechstew": Corpus(
        "SpeechStew's corpora, mapped to one text convention and combined",
        "SpeechStew's corpora (AMI, Broadcast News, Common Voice, LibriSpeech, Switchboard/Fisher,\n"
        "TED-LIUM 3, WSJ; Hub5'00 for testing) from their release layouts as Kaldi data dirs, the\n"
        "combined training set data/train_speechstew (per-corpus weights), data/dev_speechstew and\n"
        "the list of per-corpus test sets (data/speechstew_test_sets). A corpus whose root is\n"
        "empty is skipped.",
        speechstew_arguments,
        speechstew,
    ),
}
