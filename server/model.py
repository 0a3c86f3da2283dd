"""The model the server scores with: a loaded bundle behind a small interface.

Tests give ``create_app`` any object with the same three members instead.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Protocol

from PIL import Image


class UnreadableImage(Exception):
    """The model's own decoder refused these bytes."""


class Model(Protocol):
    """What the server needs from a model."""

    card: dict

    def predict(self, images: list[bytes]) -> list[float]:
        """Probability that each encoded image is AI-generated."""
        ...

    def verdict(self, probability: float) -> str:
        """``ai``, ``human`` or ``unsure`` by the card's band."""
        ...


def padded_size(n: int) -> int:
    """The smallest of 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, ... that holds ``n`` images."""
    size = 1
    while size < n:
        size = 2 if size == 1 else size * 3 // 2 if size & (size - 1) == 0 else size * 4 // 3
    return size


class BundleModel:
    """A bundle's SavedModel (``serving_default``: encoded bytes in, probabilities out).

    Batches are padded with a blank image to a few fixed sizes (``padded_size``): TensorFlow's
    CPU kernels (oneDNN) cache their set-up per input shape, so with every batch size from 1 to
    16 the worker's memory would creep up for thousands of requests. ``warm_up`` runs each
    size once at start-up, after which memory stays flat.
    """

    def __init__(self, bundle) -> None:
        import tensorflow as tf  # already loaded by the bundle

        self._bundle = bundle
        self._decode_error = tf.errors.InvalidArgumentError
        self.card = bundle.card
        blank = io.BytesIO()
        Image.new("RGB", (bundle.input_size,) * 2, (128, 128, 128)).save(blank, "PNG")
        self._blank = blank.getvalue()

    def predict(self, images: list[bytes]) -> list[float]:
        padding = [self._blank] * (padded_size(len(images)) - len(images))
        try:
            probabilities = self._bundle.predict_bytes(list(images) + padding)
        except self._decode_error as exc:
            raise UnreadableImage(str(exc).splitlines()[0]) from exc
        return [float(p) for p in probabilities[: len(images)]]

    def warm_up(self, max_batch: int) -> None:
        """Run every padded batch size up to ``max_batch`` once."""
        size = 1
        while True:
            self.predict([self._blank] * size)
            if size >= max_batch:
                return
            size = padded_size(size + 1)

    def verdict(self, probability: float) -> str:
        return self._bundle.verdict(probability)


def load_model(path: Path, max_batch: int, check_hashes: bool = True) -> BundleModel:
    """Load a bundle and warm it up, so that no request pays for the first calls."""
    from aiorhuman.bundle import load_bundle

    model = BundleModel(load_bundle(path, check_hashes=check_hashes))
    model.warm_up(max_batch)
    return model
