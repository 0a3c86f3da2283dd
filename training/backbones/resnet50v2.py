"""ResNet-50 V2 (the original design): ImageNet weights from the TF Hub module (the official
handle or a local copy of it, a folder), or a Keras ``ResNet50V2`` weights file (``.h5``)."""

from __future__ import annotations

from pathlib import Path

import tf_keras as keras

from aiorhuman.training.backbones import Backbone, BackboneSpec

HUB_TEXT = "ImageNet, TF Hub resnet_v2_50/feature_vector/5"


def _build(spec: BackboneSpec, input_size: int) -> keras.Model:
    inputs = keras.Input((input_size, input_size, 3), name="pixels")
    if spec.weights in ("hub", "imagenet"):
        import tensorflow_hub as hub

        # TF Hub image modules take RGB in [0, 1].
        x = keras.layers.Rescaling(1 / 255, name="scale")(inputs)
        features = hub.KerasLayer(spec.hub_handle, trainable=False, name="resnet_v2_50_hub")(x)
        return keras.Model(inputs, features, name="resnet50v2")
    # Keras ResNet50V2 takes [-1, 1].
    x = keras.layers.Rescaling(1 / 127.5, offset=-1, name="scale")(inputs)
    weights = None
    if spec.weights != "random":
        weights = spec.weights
        if not Path(weights).is_file():
            raise FileNotFoundError(f"weights file {weights} does not exist")
    base = keras.applications.ResNet50V2(
        include_top=False, weights=weights, input_shape=(input_size, input_size, 3), pooling="avg"
    )
    return keras.Model(inputs, base(x), name="resnet50v2")


BACKBONE = Backbone(
    name="resnet50v2",
    build=_build,
    input_size=224,
    head_features=2048,
    weights={"hub": HUB_TEXT, "imagenet": HUB_TEXT, "random": "random (untrained backbone)"},
    weights_in_graph=("hub", "imagenet"),
)
