"""ASR fine-tuning on ESPnet's ASRTask: pretrained-encoder options (freezing, encoder learning rate)."""
