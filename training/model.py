"""The classifier: a backbone plus a small head, raw pixels in, probability of "AI" out."""

from __future__ import annotations

import numpy as np
import tf_keras as keras

from training.backbones import BackboneSpec, build_backbone
from training.config import TrainConfig

BACKBONE_LAYER = "backbone"
LOGIT_LAYER = "logit"


def build_classifier(config: TrainConfig) -> keras.Model:
    """Backbone (frozen) + dropout + one logit + sigmoid, on S x S x 3 pixels in 0..255."""
    spec = BackboneSpec(config.backbone, config.weights, config.hub_handle)
    backbone = build_backbone(spec, config.input_size)
    backbone._name = BACKBONE_LAYER
    backbone.trainable = False
    inputs = keras.Input((config.input_size, config.input_size, 3), name="pixels")
    # training=False keeps BatchNormalization in inference mode even once layers are unfrozen.
    features = backbone(inputs, training=False)
    x = keras.layers.Dropout(config.dropout, name="dropout")(features)
    logit = keras.layers.Dense(
        1, name=LOGIT_LAYER, kernel_regularizer=keras.regularizers.l2(config.weight_decay)
    )(x)
    probability = keras.layers.Activation("sigmoid", dtype="float32", name="probability_ai")(logit)
    return keras.Model(inputs, probability, name="aiorhuman")


def backbone_of(model: keras.Model) -> keras.Model:
    """The backbone sub-model of a classifier built by ``build_classifier``."""
    return model.get_layer(BACKBONE_LAYER)


def fold_calibration(model: keras.Model, scale: float, bias: float) -> None:
    """Make the model output sigmoid(scale * logit + bias): Platt scaling, folded into the head."""
    layer = model.get_layer(LOGIT_LAYER)
    kernel, offset = layer.get_weights()
    layer.set_weights([kernel * np.float32(scale), offset * np.float32(scale) + np.float32(bias)])
