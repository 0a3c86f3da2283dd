"""A loaded bundle: its card and its SavedModel's two signatures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from aiorhuman.bundle.card import BundleError, read_card, verdict, verify_files


@dataclass
class Bundle:
    """A verified bundle ready to score images."""

    path: Path
    card: dict
    _bytes_fn: object
    _pixels_fn: object
    _loaded: object  # the trackable object that owns the signature functions

    @property
    def input_size(self) -> int:
        return int(self.card["input_size"])

    def predict_bytes(self, images: list[bytes]) -> np.ndarray:
        """Probabilities that each encoded image is AI-generated (SavedModel preprocessing)."""
        if not images:
            return np.zeros((0,), np.float32)
        out = self._bytes_fn(image_bytes=tf.constant(images, dtype=tf.string))
        return out["probability_ai"].numpy()

    def predict_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Probabilities for a float32 batch ``[N, S, S, 3]`` of 0..255 pixels."""
        out = self._pixels_fn(pixels=tf.constant(pixels, dtype=tf.float32))
        return out["probability_ai"].numpy()

    def verdict(self, probability: float) -> str:
        """The card's verdict for one probability."""
        return verdict(probability, self.card["unsure_band"])


def load_bundle(path: str | Path, check_hashes: bool = True) -> Bundle:
    """Load a bundle folder, refusing it with ``BundleError`` if anything is wrong."""
    path = Path(path)
    if not path.is_dir():
        raise BundleError(f"{path}: no such bundle folder")
    card = read_card(path)
    if check_hashes:
        verify_files(path, card)
    saved_model_dir = path / card.get("saved_model", {}).get("path", "saved_model")
    try:
        loaded = tf.saved_model.load(str(saved_model_dir))
        signatures = loaded.signatures
        bytes_fn, pixels_fn = signatures["serving_default"], signatures["pixels"]
    except (OSError, KeyError, ValueError, tf.errors.OpError) as exc:
        raise BundleError(f"{path}: cannot load the SavedModel ({exc})") from exc
    return Bundle(path, card, bytes_fn, pixels_fn, loaded)
