"""bigssl: BigSSL on ESPnet.

Importing bigssl turns typeguard's ``@typechecked`` into a no-op for the ESPnet modules imported
after it (~6 CPU seconds saved per process; BIGSSL_TYPECHECK=1 keeps the checks): see
:mod:`bigssl.espnet_compat`.
"""

from bigssl.espnet_compat import skip_runtime_typechecks

__version__ = "0.1.0"

skip_runtime_typechecks()
