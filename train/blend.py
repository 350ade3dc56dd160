"""Weight-space blends of a fine-tune and the model it started from (WiSE-FT, Wortsman et al. 2022).

A fine-tune on new data (paper numbers, real handwriting) gains there and loses a little on what
the model knew (the canvas, MNIST); a blend of the two sets of weights keeps most of the gain and
gives back most of the loss. The number reader and the digit classifiers blend the same way.
"""

from __future__ import annotations

import numpy as np
import tf_keras as keras


def blend_weights(start: list[np.ndarray], tuned: list[np.ndarray], share: float) -> list[np.ndarray]:
    """share x the fine-tuned weights + (1 - share) x the weights it started from (WiSE-FT,
    Wortsman et al. 2022): a fine-tune on paper keeps most of what it gained on paper and gives
    back what it lost on the canvas (measured in README, "Numbers on paper")."""
    return [((1 - share) * a + share * b).astype(a.dtype) for a, b in zip(start, tuned)]


def blended_model(start: keras.Model, tuned: keras.Model, share: float) -> keras.Model:
    """The fine-tuned model with blend_weights of it and `start`, the model it was initialised from
    (as it was built for the fine-tune: the same layers)."""
    tuned.set_weights(blend_weights(start.get_weights(), tuned.get_weights(), share))
    return tuned
