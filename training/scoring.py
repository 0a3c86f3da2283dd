"""Scorers for evaluation: a training run's Keras model behind the bundle preprocessing, or a
bundle's SavedModel, with the same interface (``aiorhuman.bundle.scoring.Scorer``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from aiorhuman.bundle.preprocess import preprocess_bytes
from aiorhuman.bundle.scoring import BundleScorer, Scorer
from aiorhuman.training.runs import load_run


class RunScorer:
    """A training run's Keras model behind the bundle preprocessing."""

    def __init__(self, path: Path) -> None:
        run = load_run(path)
        self.name = f"run:{path.name}"
        self.input_size = run.config.input_size
        self.threshold = run.decision["threshold"]
        self.unsure_band = run.decision["unsure_band"]
        size, model = self.input_size, run.model

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def score(images: tf.Tensor) -> tf.Tensor:
            pixels = tf.map_fn(
                lambda data: preprocess_bytes(data, size),
                images,
                fn_output_signature=tf.TensorSpec([size, size, 3], tf.float32),
            )
            return tf.reshape(model(pixels, training=False), [-1])

        self._score = score

    def probabilities(self, images: list[bytes]) -> np.ndarray:
        return self._score(tf.constant(images, tf.string)).numpy()


def open_model(path: str | Path) -> Scorer:
    """A scorer for a run directory or a bundle folder."""
    path = Path(path)
    if (path / "card.json").is_file():
        return BundleScorer(path)
    if (path / "config.json").is_file():
        return RunScorer(path)
    raise FileNotFoundError(
        f"{path}: neither a run directory (config.json) nor a bundle (card.json)"
    )
