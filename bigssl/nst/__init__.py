"""Noisy Student Training: pseudo-labeling, confidence, filtering, mixing, generation bookkeeping."""
