"""Copy the pseudo-labels of a data dir's utterances out of a larger pseudo-label dir (stage 75's
--nst_pseudo_from: a generation reuses labels its teacher already decoded for a superset)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.data.kaldi_dir import load_data_dir
from bigssl.nst.pseudo_dir import subset_pseudo_dir


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", type=Path, required=True, help="a pseudo-label dir")
    parser.add_argument(
        "--data_dir", type=Path, required=True, help="the utterances to keep"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    utts = load_data_dir(args.data_dir).utt_ids
    try:
        count = subset_pseudo_dir(args.src, utts, args.out)
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(f"subset_pseudo_dir: {error}") from None
    print(
        f"{args.out}: the pseudo-labels of {count} utterances of {args.data_dir} from {args.src}"
    )


if __name__ == "__main__":
    main()
