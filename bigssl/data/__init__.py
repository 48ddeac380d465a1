"""Corpus preparation, Kaldi data-dir handling and validation."""
