"""Benchmarks: ours against the reference labs' models, trained, exported and timed in Chromium.

Importing `reader` first sets the TensorFlow environment (legacy Keras, quiet logs) once for the package.
"""

import reader  # noqa: F401
