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


class BundleModel:
    """A bundle's SavedModel (``serving_default``: encoded bytes in, probabilities out)."""

    def __init__(self, bundle) -> None:
        import tensorflow as tf  # already loaded by the bundle

        self._bundle = bundle
        self._decode_error = tf.errors.InvalidArgumentError
        self.card = bundle.card

    def predict(self, images: list[bytes]) -> list[float]:
        try:
            return [float(p) for p in self._bundle.predict_bytes(images)]
        except self._decode_error as exc:
            raise UnreadableImage(str(exc).splitlines()[0]) from exc

    def verdict(self, probability: float) -> str:
        return self._bundle.verdict(probability)


def load_model(path: Path, check_hashes: bool = True) -> BundleModel:
    """Load a bundle and score one image, so the first request is not the slow one."""
    from bundle import load_bundle

    model = BundleModel(load_bundle(path, check_hashes=check_hashes))
    blank = io.BytesIO()
    Image.new("RGB", (model.card["input_size"],) * 2, (128, 128, 128)).save(blank, "PNG")
    model.predict([blank.getvalue()])
    return model
