"""Decode a data dir with ESPnet ``Speech2Text`` and write a hypothesis ``text`` (CTC or RNN-T models).

Decoding options come from a YAML file of ``Speech2Text`` keyword arguments (beam_size,
ctc_weight, ...). Writes ``OUT/text`` atomically and ``OUT/rtf.json`` (real-time factor).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.asr.decode import decode
from bigssl.cli import setup_logging


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--asr_train_config", type=Path, required=True)
    parser.add_argument("--asr_model_file", type=Path, required=True)
    parser.add_argument(
        "--data_dir", type=Path, required=True, help="data dir with wav.scp"
    )
    parser.add_argument("--out_dir", type=Path, required=True)
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="YAML of Speech2Text keyword arguments",
    )
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    setup_logging()
    decode(
        args.asr_train_config,
        args.asr_model_file,
        args.data_dir,
        args.out_dir,
        args.config,
        args.device,
    )


if __name__ == "__main__":
    main()
