"""Combine data dirs (audio and speakers only) into one, e.g. for pretraining on unlabeled audio.

Utterance ids must be unique across the inputs; a clash is an error naming the id. Transcripts
are never copied: the output is unlabeled by construction.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, List, Optional

from bigssl.cli import setup_logging
from bigssl.data.kaldi_dir import DataDir, load_data_dir


def combine(sources: List[Path], target: Path) -> DataDir:
    wav_scp: Dict[str, str] = {}
    utt2spk: Dict[str, str] = {}
    for source in sources:
        data = load_data_dir(source)
        for utt, path in data.wav_scp.items():
            if utt in wav_scp:
                raise ValueError(f"utterance '{utt}' of {source} is also in another input")
            wav_scp[utt] = path
            utt2spk[utt] = data.utt2spk[utt]
    combined = DataDir(wav_scp=wav_scp, utt2spk=utt2spk)
    combined.save(target, write_text=False)
    return combined


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("sources", type=Path, nargs="+")
    args = parser.parse_args(argv)
    setup_logging()
    combined = combine(args.sources, args.out)
    print(f"{args.out}: {len(combined.wav_scp)} utterances from {len(args.sources)} data dirs")


if __name__ == "__main__":
    main()
