"""Take a seeded random subset of N utterances of a data dir (e.g. smaller labeled sets)."""
from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import List, Optional

from bigssl.data.kaldi_dir import load_data_dir


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", type=Path, required=True)
    parser.add_argument("--dst", type=Path, required=True)
    parser.add_argument("--num", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    data = load_data_dir(args.src)
    if not 0 < args.num <= len(data.wav_scp):
        raise SystemExit(f"{args.src} has {len(data.wav_scp)} utterances; cannot take {args.num}")
    keep = random.Random(args.seed).sample(data.utt_ids, args.num)
    data.subset(keep).save(args.dst)
    print(f"{args.dst}: {args.num} of {len(data.wav_scp)} utterances of {args.src}")


if __name__ == "__main__":
    main()
