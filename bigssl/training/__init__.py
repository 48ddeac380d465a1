"""Training bookkeeping: learning curves and cost summaries read from what ESPnet's trainer leaves behind."""
