"""Training around ESPnet's trainer: kill-safe checkpoints, non-finite loss guards, and the
bookkeeping read from what the trainer leaves behind (learning curves, cost summaries)."""
