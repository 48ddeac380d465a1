"""bigssl: BigSSL on ESPnet."""

__version__ = "0.1.0"
