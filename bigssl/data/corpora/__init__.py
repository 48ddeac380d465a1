"""Data preparation of real corpora from their release layouts (one module per corpus)."""
