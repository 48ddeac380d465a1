"""wav2vec 2.0 pretraining with ESPnet's trainer: ``python -m bigssl.bin.ssl_train --config ...``.

All of ESPnet's AbsTask options apply (--config, --resume, --ngpu, --collect_stats, DDP flags,
--print_config); see ``--help``.
"""

from __future__ import annotations

from typing import List, Optional

from bigssl.espnet_compat import quiet_espnet_imports, shutdown_distributed


def get_parser():  # noqa: ANN201 (ESPnet's config_argparse.ArgumentParser)
    """ESPnet argument parser of :class:`bigssl.ssl.task.BigSSLTask`."""
    quiet_espnet_imports()
    from bigssl.ssl.task import BigSSLTask

    return BigSSLTask.get_parser()


def main(cmd: Optional[List[str]] = None) -> None:
    """Run pretraining (or --collect_stats) as ESPnet's AbsTask.main does."""
    quiet_espnet_imports()
    from bigssl.ssl.task import BigSSLTask

    try:
        BigSSLTask.main(cmd=cmd)
    finally:
        shutdown_distributed()


if __name__ == "__main__":
    main()
