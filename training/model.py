"""The classifier: a backbone plus a small head, raw pixels in, probability of "AI" out."""

from __future__ import annotations

import numpy as np
import tf_keras as keras

from training.backbones import BackboneSpec, build_backbone
from training.config import TrainConfig

BACKBONE_LAYER = "backbone"
STANDARDIZE_LAYER = "standardize"
LOGIT_LAYER = "logit"


def build_classifier(config: TrainConfig) -> keras.Model:
    """Backbone (frozen) + dropout + one logit + sigmoid, on S x S x 3 pixels in 0..255.

    With ``pooling="stages"`` the features are standardised first: the stages' scales differ
    by orders of magnitude. The standardisation is a frozen ``BatchNormalization`` in inference
    mode (so its statistics are saved with the weights) whose statistics
    ``adapt_standardization`` sets from training features; ``fold_standardization`` later moves
    it into the logit layer.
    """
    spec = BackboneSpec(config.backbone, config.weights, config.hub_handle, config.pooling)
    backbone = build_backbone(spec, config.input_size)
    backbone._name = BACKBONE_LAYER
    backbone.trainable = False
    inputs = keras.Input((config.input_size, config.input_size, 3), name="pixels")
    # training=False keeps BatchNormalization in inference mode even once layers are unfrozen.
    features = backbone(inputs, training=False)
    if config.pooling != "head":
        standardize = keras.layers.BatchNormalization(
            center=False, scale=False, name=STANDARDIZE_LAYER
        )
        standardize.trainable = False
        features = standardize(features, training=False)
    x = keras.layers.Dropout(config.dropout, name="dropout")(features)
    logit = keras.layers.Dense(
        1, name=LOGIT_LAYER, kernel_regularizer=keras.regularizers.l2(config.weight_decay)
    )(x)
    probability = keras.layers.Activation("sigmoid", dtype="float32", name="probability_ai")(logit)
    return keras.Model(inputs, probability, name="aiorhuman")


def backbone_of(model: keras.Model) -> keras.Model:
    """The backbone sub-model of a classifier built by ``build_classifier``."""
    return model.get_layer(BACKBONE_LAYER)


def _standardize_layer(model: keras.Model) -> keras.layers.Layer | None:
    names = {layer.name for layer in model.layers}
    return model.get_layer(STANDARDIZE_LAYER) if STANDARDIZE_LAYER in names else None


def adapt_standardization(model: keras.Model, pixels) -> None:
    """Set the standardisation (if any) to the mean and variance of the backbone features of
    ``pixels`` (a dataset of pixel batches, or of ``(pixels, labels)``)."""
    layer = _standardize_layer(model)
    if layer is None:
        return
    features = backbone_of(model).predict(pixels, verbose=0).astype(np.float64)
    layer.set_weights([features.mean(axis=0), features.var(axis=0)])


def fold_standardization(model: keras.Model) -> None:
    """Move the standardisation into the logit layer, leaving the same outputs.

    Afterwards the standardisation is the identity, so a float16 export stores no large
    offsets to cancel (only the logit layer's weights and bias change).
    """
    layer = _standardize_layer(model)
    if layer is None:
        return
    mean, variance = layer.get_weights()
    scale = 1 / np.sqrt(variance + layer.epsilon)
    logit = model.get_layer(LOGIT_LAYER)
    kernel, bias = logit.get_weights()
    kernel = kernel * scale[:, None]
    bias = bias - mean @ kernel
    logit.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    layer.set_weights([np.zeros_like(mean), np.full_like(variance, 1 - layer.epsilon)])


def fold_calibration(model: keras.Model, scale: float, bias: float) -> None:
    """Make the model output sigmoid(scale * logit + bias): Platt scaling, folded into the head."""
    layer = model.get_layer(LOGIT_LAYER)
    kernel, offset = layer.get_weights()
    layer.set_weights([kernel * np.float32(scale), offset * np.float32(scale) + np.float32(bias)])
