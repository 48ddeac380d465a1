"""ESPnet ASR training (``espnet2.bin.asr_train``) with bigssl's offline-safe imports.

Accepts ESPnet's options (``--config``, ``--resume``, ``--ngpu``, DDP flags, ``--init_param``, ...)
plus ``--encoder_lr_scale`` and ``--freeze_encoder_steps`` (see :mod:`bigssl.asr.task`).
"""

from __future__ import annotations

import sys
from typing import List, Optional

from bigssl.espnet_compat import quiet_espnet_imports, shutdown_distributed


def main(argv: Optional[List[str]] = None) -> None:
    quiet_espnet_imports()
    from bigssl.asr.task import BigSSLASRTask

    try:
        BigSSLASRTask.main(cmd=argv if argv is not None else sys.argv[1:])
    finally:
        shutdown_distributed()


if __name__ == "__main__":
    main()
