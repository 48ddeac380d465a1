"""Probing frozen encoders: per-layer embeddings, linear probes, the mini-NOSS suite report."""
