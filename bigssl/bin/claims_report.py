"""Write the "BigSSL's claims at mini scale" section: a computed verdict per claim from scored runs.

The spec is YAML::

    test_set: test                    # default test set of every role
    roles:
      supervised_100: [exp/asr_sup100_seed1, exp/asr_sup100_seed2]
      crossdomain_with: {exps: [exp/asr_xd_with], test_set: test_other}
    notes:                            # optional, per claim number: "levers tried"
      3: "raised the filter threshold to 0.9"
    fractions: [3, 10, 30]            # optional, claim 2's labeled fractions (percent)

Experiment dirs are relative to the working directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from bigssl.score.claims import write_claims_report


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--spec", type=Path, required=True, help="YAML spec (see above)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="markdown section to write"
    )
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    args = get_parser().parse_args(argv)
    print(write_claims_report(args.spec, args.out), end="")


if __name__ == "__main__":
    main()
