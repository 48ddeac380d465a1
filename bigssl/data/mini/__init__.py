"""The mini recipe's synthetic corpus: espeak-ng voices x sentences of the Debian fortunes package."""
