"""Twin of web/static/js/digitInput.js: an image of one digit (a canvas, an upload, a scan or a photo) ->
the digit classifiers' 28x28 input: its ink found on its paper (paper_ink.digit_ink), then the ink's box
scaled and centred as MNIST was made (preprocess.digit_from_ink).

Same steps, same names (snake_case here, camelCase there). Change both in one commit; tests/test_parity.py
compares them on the same pixels.
"""

from __future__ import annotations

import numpy as np

from reader.paper_ink import digit_ink
from reader.preprocess import digit_from_ink


def preprocess_digit(pixels: np.ndarray) -> np.ndarray:
    """Image pixels (any size, either polarity) -> float32 (28, 28) in [0, 1], light ink on black.
    Raises EmptyImageError when blank."""
    return digit_from_ink(digit_ink(pixels))
