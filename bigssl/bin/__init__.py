"""Command-line entry points: ``python -m bigssl.bin.<name>``."""
