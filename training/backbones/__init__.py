"""Pluggable ImageNet backbones: raw 0..255 pixels in, pooled feature vector out.

A registry: every module of this package that defines ``BACKBONE`` (a ``Backbone``) adds one,
with everything about it in that module (builder, weight sources and their card text, native
input size, poolings, texture taps). Adding a backbone is adding one module and its test.
Every backbone does its own pixel scaling, so the classifier (and every exported model) takes
raw pixels.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import tf_keras as keras

RESNET_HUB_HANDLE = "https://tfhub.dev/google/imagenet/resnet_v2_50/feature_vector/5"


@dataclass(frozen=True)
class BackboneSpec:
    """How to build one backbone for one run."""

    name: str
    weights: str = "imagenet"
    hub_handle: str = RESNET_HUB_HANDLE
    pooling: str = "head"


@dataclass(frozen=True)
class Backbone:
    """Everything about one backbone."""

    name: str
    build: Callable[[BackboneSpec, int], keras.Model]  # (spec, input size) -> feature extractor
    input_size: int  # the native input size (what its ImageNet weights were trained at)
    head_features: int  # width of the pooled head features
    # ``--weights`` values, each with the card's text for where the weights come from; a file
    # path (weights saved by Keras) is always accepted too.
    weights: dict[str, str]
    poolings: tuple[str, ...] = ("head",)
    # Channels of the texture taps (each tapped stage gives its mean and std): the texture
    # head's input is twice their sum. Empty: no texture head.
    texture_channels: tuple[int, ...] = ()
    # Weights that live in the built graph itself (a TF Hub module): a saved run is rebuilt with
    # these, not with random weights that its weights file then overwrites.
    weights_in_graph: tuple[str, ...] = field(default=())

    @property
    def texture_features(self) -> int:
        return 2 * sum(self.texture_channels)

    def card_weights(self, weights: str) -> str:
        """The card's text for where ``weights`` come from."""
        return self.weights.get(weights, f"Keras weights file {Path(weights).name}")


@cache
def registry() -> dict[str, Backbone]:
    """Every backbone of this package, by name."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        backbone = getattr(importlib.import_module(f"{__name__}.{module.name}"), "BACKBONE", None)
        if isinstance(backbone, Backbone):
            found[backbone.name] = backbone
    return dict(sorted(found.items()))


def backbone(name: str) -> Backbone:
    """The registered backbone called ``name``."""
    backbones = registry()
    if name not in backbones:
        raise ValueError(f"unknown backbone {name!r}; choose one of {', '.join(backbones)}")
    return backbones[name]


def build_backbone(spec: BackboneSpec, input_size: int) -> keras.Model:
    """Build the feature extractor named by ``spec`` for ``input_size`` x ``input_size`` input."""
    entry = backbone(spec.name)
    if spec.pooling not in entry.poolings:
        raise ValueError(
            f"{spec.name} supports only pooling={' or '.join(map(repr, entry.poolings))}"
        )
    return entry.build(spec, input_size)


def fine_tune_layers(model: keras.Model, fraction: float) -> list[keras.layers.Layer]:
    """The top ``fraction`` of the backbone's weighted layers, to unfreeze for fine-tuning.

    BatchNormalization layers stay frozen (their statistics come from ImageNet). A backbone
    that is one opaque layer (a TF Hub module) is returned whole when ``fraction > 0``.
    """
    weighted = [layer for layer in model.layers if layer.weights]
    count = round(len(weighted) * fraction)
    top = weighted[len(weighted) - count :] if count else []
    return [layer for layer in top if not isinstance(layer, keras.layers.BatchNormalization)]
