"""Per-epoch checkpoints that let a training run go on in another session (`--resume`).

A run's folder holds checkpoint.keras (the model with its optimizer state, so the learning-rate
schedule and Adam's moments go on where they were) and checkpoint.json (epochs done, the run's
settings, the history so far). Used by train/house.py and train/stroke_reader.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import tf_keras as keras

CHECKPOINT_MODEL = "checkpoint.keras"  # the latest epoch's model and optimizer, in the run's folder
CHECKPOINT_STATE = "checkpoint.json"  # epochs done, the run's settings, the history so far


def save_checkpoint(model: keras.Model, folder: Path, state: dict) -> None:
    """The model with its optimizer state, then the run's position (epochs done, settings, history so far).
    Each file is written aside and renamed, so a run killed mid-save leaves the previous checkpoint whole."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{CHECKPOINT_MODEL}.{os.getpid()}.tmp.keras"
    model.save(partial)
    os.replace(partial, folder / CHECKPOINT_MODEL)
    partial_state = folder / f"{CHECKPOINT_STATE}.tmp"
    partial_state.write_text(json.dumps(state, indent=1) + "\n")
    os.replace(partial_state, folder / CHECKPOINT_STATE)


def load_checkpoint(folder: Path) -> tuple[keras.Model, dict] | None:
    """(the model with its optimizer, the saved state), or None when the folder holds no whole checkpoint."""
    model_file, state_file = folder / CHECKPOINT_MODEL, folder / CHECKPOINT_STATE
    if not (model_file.is_file() and state_file.is_file()):
        return None
    return keras.models.load_model(model_file), json.loads(state_file.read_text())


class EpochCheckpoint(keras.callbacks.Callback):
    """After each epoch: the model, its optimizer and the data position under the run's folder, so
    `--resume` goes on from the next epoch. `history` (the resumed run's, or {}) grows by each epoch's logs."""

    def __init__(self, folder: Path, settings: dict, history: dict):
        super().__init__()
        self.folder, self.settings, self.history = folder, settings, history

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.save({"epochs_done": epoch + 1, "settings": self.settings, "history": self.history})

    def save(self, state: dict) -> None:
        save_checkpoint(self.model, self.folder, state)
