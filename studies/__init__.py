"""Studies: reports on the trained models and experiments that are not part of the shipped pipeline.

Importing `reader` first sets the TensorFlow environment (legacy Keras, quiet logs) once for the package.
"""

import reader  # noqa: F401
