"""WER/CER scoring and the RESULTS.md writer."""
