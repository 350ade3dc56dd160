"""A .tflite model run by the LiteRT interpreter: what the API and the CLI read with, without TensorFlow.

The exports come from `python -m export.tflite` (models/tflite/); their output tensors are in the
Keras model's order (export/tflite.py reorder_outputs), so a model here answers as the Keras model
it was converted from: model(x) -> one array, or a list of arrays for the house reader's heads.
"""

from __future__ import annotations

import threading

import numpy as np
from ai_edge_litert.interpreter import Interpreter, SignatureRunner

SIGNATURE = "serving_default"  # the one signature TFLiteConverter.from_keras_model writes


class LiteRTModel:
    """A .tflite model, callable as model(images) from any number of threads at once.

    A LiteRT interpreter holds its tensors and must not run two calls at once, so each model has one
    interpreter and a lock: calls to one model take turns, calls to different models run at once (Invoke
    releases the GIL), and so do the requests' decoding and preprocessing. Measured on 2 cores
    (tests/test_load.py): an interpreter for each call in flight served no faster (55-63 mixed requests/s
    either way) and held 55 MB more, added whenever more calls than ever before met.
    """

    def __init__(self, content: bytes):
        self.content = content
        self.lock = threading.Lock()
        # A damaged file, or an op this LiteRT lacks, fails here at load, not in a request.
        interpreter = Interpreter(model_content=content)
        interpreter.allocate_tensors()
        first = interpreter.get_signature_runner(SIGNATURE)
        inputs, outputs = first.get_input_details(), first.get_output_details()
        (self.input_name,) = inputs
        self.input_shape = tuple(None if size < 0 else int(size) for size in inputs[self.input_name]["shape_signature"])
        # The heads in the graph's output order, which export/tflite.py made the Keras model's.
        name_of = {details["index"]: name for name, details in outputs.items()}
        self.output_names = [name_of[details["index"]] for details in interpreter.get_output_details()]
        self.runner: SignatureRunner = first

    def __call__(self, images: np.ndarray) -> np.ndarray | list[np.ndarray]:
        """A batch -> what the Keras model answers: one array, or a list of arrays for several heads."""
        batch = np.ascontiguousarray(images, dtype=np.float32)
        with self.lock:  # the runner resizes the input to the batch and returns copies of the outputs
            out = self.runner(**{self.input_name: batch})
        heads = [out[name] for name in self.output_names]
        return heads if len(heads) > 1 else heads[0]

    def predict(self, images: np.ndarray, batch_size: int = 250, verbose: int = 0) -> np.ndarray | list[np.ndarray]:
        """Keras' predict: a large set in batches, each head concatenated (what the measuring code calls)."""
        parts = [self(images[i : i + batch_size]) for i in range(0, len(images), batch_size)]
        if isinstance(parts[0], list):
            return [np.concatenate([part[head] for part in parts]) for head in range(len(parts[0]))]
        return np.concatenate(parts)
