"""Print the hours of audio listed in a wav.scp (two decimals), for recipes' notes.

    python -m bigssl.bin.audio_hours data/train_unlabeled/wav.scp
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.data.kaldi_dir import audio_hours


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("wav_scp", type=Path)
    args = parser.parse_args(argv)
    print(f"{audio_hours(args.wav_scp):.2f}")


if __name__ == "__main__":
    main()
