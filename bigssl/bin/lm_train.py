"""ESPnet language-model training (``espnet2.bin.lm_train``) with bigssl's offline-safe imports.

All of ESPnet's LMTask options apply (``--config``, ``--resume``, ``--collect_stats``, ``--token_list``,
``--bpemodel``, ...); the trained model is a stock ESPnet LM usable by ``Speech2Text(lm_train_config=...,
lm_file=...)`` for shallow fusion. Checkpoints are written atomically, and an unreadable one is replaced by
the previous one on resume (bigssl.training.checkpoints).
"""

from __future__ import annotations

import sys
from typing import List, Optional

from bigssl.espnet_compat import quiet_espnet_imports


def main(argv: Optional[List[str]] = None) -> None:
    """Run ``LMTask.main`` (training, or ``--collect_stats``) on ``argv``."""
    quiet_espnet_imports()
    from espnet2.tasks.lm import LMTask

    from bigssl.training.checkpoints import SafeCheckpoints

    class SafeLMTask(SafeCheckpoints, LMTask):
        """ESPnet's LMTask with kill-safe checkpoints (bigssl.training.checkpoints)."""

    SafeLMTask.main(cmd=argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
