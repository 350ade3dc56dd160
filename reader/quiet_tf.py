"""Import TensorFlow without its start-up noise on stderr (training and export code), and silence C++ output.

TensorFlow's C++ side prints CUDA-registration warnings before any log setting
applies, and LiteRT announces its CPU delegate when the CLI loads a model; a person
running the CLI on a laptop should see neither. Importing this module imports no TensorFlow.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def silenced_stderr():
    """Point file descriptor 2 at /dev/null for the duration (C++ writes bypass sys.stderr)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly():
    """Import tensorflow and tf_keras (legacy Keras, which TF.js 4.22 can load) silently."""
    with silenced_stderr():
        import tensorflow as tf
        import tf_keras  # noqa: F401
    return tf
