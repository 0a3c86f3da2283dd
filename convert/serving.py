"""The SavedModel's serving graph: two signatures around the run's Keras model."""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf
import tf_keras as keras

from aiorhuman.bundle.preprocess import preprocess_bytes

BYTES_SIGNATURE = "serving_default"
PIXELS_SIGNATURE = "pixels"
BYTES_INPUT = "image_bytes"
PIXELS_INPUT = "pixels"
OUTPUT = "probability_ai"


class ServingModule(tf.Module):
    """Encoded bytes or 0..255 pixels in, ``probability_ai`` out.

    Only the model's variables are tracked, not the Keras model itself: the SavedModel then
    holds two plain functions (saving and loading are 5x faster, and no Keras is needed).
    """

    def __init__(self, model: keras.Model, input_size: int) -> None:
        super().__init__(name="aiorhuman")
        self.model_weights = list(model.weights)
        # A TF Hub layer's module may own variables that Keras does not list: track the module.
        self.hub_modules = [
            layer.resolved_object for layer in model.submodules if hasattr(layer, "resolved_object")
        ]
        size = input_size

        def pixels(pixels: tf.Tensor) -> dict[str, tf.Tensor]:
            probability = model(pixels, training=False)
            return {OUTPUT: tf.reshape(tf.cast(probability, tf.float32), [-1])}

        def image_bytes(image_bytes: tf.Tensor) -> dict[str, tf.Tensor]:
            batch = tf.map_fn(
                lambda data: preprocess_bytes(data, size),
                image_bytes,
                fn_output_signature=tf.TensorSpec([size, size, 3], tf.float32),
            )
            return pixels(batch)

        self.pixels = tf.function(
            pixels,
            input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32, name=PIXELS_INPUT)],
        )
        self.image_bytes = tf.function(
            image_bytes,
            input_signature=[tf.TensorSpec([None], tf.string, name=BYTES_INPUT)],
        )


def save_serving_model(model: keras.Model, input_size: int, out_dir: Path) -> dict:
    """Write the SavedModel; return its signature description for card.json."""
    module = ServingModule(model, input_size)
    signatures = {
        BYTES_SIGNATURE: module.image_bytes.get_concrete_function(),
        PIXELS_SIGNATURE: module.pixels.get_concrete_function(),
    }
    tf.saved_model.save(module, str(out_dir), signatures=signatures)
    size = input_size
    return {
        BYTES_SIGNATURE: {
            "inputs": {BYTES_INPUT: {"dtype": "string", "shape": [-1]}},
            "outputs": {OUTPUT: {"dtype": "float32", "shape": [-1]}},
        },
        PIXELS_SIGNATURE: {
            "inputs": {PIXELS_INPUT: {"dtype": "float32", "shape": [-1, size, size, 3]}},
            "outputs": {OUTPUT: {"dtype": "float32", "shape": [-1]}},
        },
    }
