"""Training: data (MNIST, pen digits, SVHN, generated numbers) -> models -> fitted weights in models/.

Importing `reader` first sets the TensorFlow environment (legacy Keras, quiet logs) once for the package.
"""

import reader  # noqa: F401
