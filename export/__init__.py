"""Export: fitted Keras models -> BatchNorm folded (fold.py) -> TF.js with metadata.json (tfjs.py), TFLite (tflite.py).

Importing `reader` first sets the TensorFlow environment (legacy Keras, quiet logs) once for the package.
"""

import reader  # noqa: F401
