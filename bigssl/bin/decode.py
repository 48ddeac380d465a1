"""Decode a data dir with ESPnet ``Speech2Text`` and write a hypothesis ``text`` (CTC or RNN-T models).

Decoding options come from a YAML file of ``Speech2Text`` keyword arguments (beam_size,
ctc_weight, lm_weight, ...). ``--lm_train_config/--lm_file`` add an ESPnet LM by shallow fusion.
Writes ``OUT/text`` atomically and ``OUT/rtf.json`` (real-time factor).
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
    parser.add_argument(
        "--lm_train_config", type=Path, default=None, help="ESPnet LM config.yaml"
    )
    parser.add_argument(
        "--lm_file", type=Path, default=None, help="ESPnet LM checkpoint (.pth)"
    )
    parser.add_argument(
        "--lm_weight",
        type=float,
        default=None,
        help="LM weight of shallow fusion (overrides the config's)",
    )
    parser.add_argument(
        "--batch_seconds",
        type=float,
        default=60.0,
        help="search CTC models' utterances in batches of this much audio (0: one by one)",
    )
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if (args.lm_train_config is None) != (args.lm_file is None):
        parser.error("--lm_train_config and --lm_file go together")
    setup_logging()
    decode(
        args.asr_train_config,
        args.asr_model_file,
        args.data_dir,
        args.out_dir,
        args.config,
        args.device,
        args.lm_train_config,
        args.lm_file,
        args.lm_weight,
        args.batch_seconds,
    )


if __name__ == "__main__":
    main()
