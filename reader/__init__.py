"""Reading: what the server, the API and the CLI run (image -> preprocess -> model -> decode -> JSON).

This package never imports training code, and reading imports no TensorFlow: the API and the CLI read
the models' TFLite exports with LiteRT (reader/litert.py), so serving installs none. Importing it sets
the TensorFlow environment once for the packages that train and measure (train, export, studies and
bench all import from here):
legacy Keras, because a Keras 3 model converted by tensorflowjs 4.22 does not load in
TF.js 4.22, and a quiet TF log, because a person running the CLI should not see C++ noise.
"""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
