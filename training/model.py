"""The classifier: a backbone plus a small head, raw pixels in, probability of "AI" out."""

from __future__ import annotations

import numpy as np
import tf_keras as keras
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from aiorhuman.training.backbones import BackboneSpec, backbone, build_backbone
from aiorhuman.training.config import TrainConfig

BACKBONE_LAYER = "backbone"
STANDARDIZE_LAYER = "standardize"
LOGIT_LAYER = "logit"
TEXTURE_HIDDEN_LAYER = "texture_hidden"
TEXTURE_LOGIT_LAYER = "texture_logit"
BLEND_LAYER = "blend"
PAIR_LAYER = "logits"  # the blend's input: [fine-tuned logit, texture logit]
PROBABILITY_LAYER = "probability_ai"


def build_classifier(config: TrainConfig) -> keras.Model:
    """Backbone (frozen) + dropout + one logit + sigmoid, on S x S x 3 pixels in 0..255.

    With ``pooling="stages"`` the features are standardised first: the stages' scales differ
    by orders of magnitude. The standardisation is a frozen ``BatchNormalization`` in inference
    mode (so its statistics are saved with the weights) whose statistics
    ``adapt_standardization`` sets from training features; ``fold_standardization`` later moves
    it into the logit layer.

    With ``pooling="head+texture"`` (Lite0) the head features feed the logit as usual, and the
    early stages' texture statistics feed a second, frozen logit (``texture_logit``, behind
    ``config.texture_hidden`` ReLU units if that is not 0) that ``fit_texture_head`` fits
    after training; a frozen ``blend`` layer adds the two. Until the
    texture head is fitted the blend passes the first logit through unchanged, so training is
    exactly that of the plain model.
    """
    spec = BackboneSpec(config.backbone, config.weights, config.hub_handle, config.pooling)
    extractor = build_backbone(spec, config.input_size)
    extractor._name = BACKBONE_LAYER
    extractor.trainable = False
    inputs = keras.Input((config.input_size, config.input_size, 3), name="pixels")
    # training=False keeps BatchNormalization in inference mode even once layers are unfrozen.
    features = extractor(inputs, training=False)
    texture = None
    if config.pooling == "head+texture":
        width = backbone(config.backbone).head_features
        features, texture = features[:, :width], features[:, width:]
    if config.pooling == "stages":
        standardize = keras.layers.BatchNormalization(
            center=False, scale=False, name=STANDARDIZE_LAYER
        )
        standardize.trainable = False
        features = standardize(features, training=False)
    x = keras.layers.Dropout(config.dropout, name="dropout")(features)
    logit = keras.layers.Dense(
        1, name=LOGIT_LAYER, kernel_regularizer=keras.regularizers.l2(config.weight_decay)
    )(x)
    if texture is not None:
        logit = _texture_blend(logit, texture, config.texture_hidden)
    probability = keras.layers.Activation("sigmoid", dtype="float32", name=PROBABILITY_LAYER)(logit)
    return keras.Model(inputs, probability, name="aiorhuman")


def _texture_blend(logit, texture, hidden: int):
    """``blend(logit, texture_logit(texture))``, all frozen, passing ``logit`` through."""
    if hidden:
        layer = keras.layers.Dense(hidden, activation="relu", name=TEXTURE_HIDDEN_LAYER)
        layer.trainable = False
        texture = layer(texture)
    texture_logit = keras.layers.Dense(1, name=TEXTURE_LOGIT_LAYER, kernel_initializer="zeros")
    blend = keras.layers.Dense(
        1,
        name=BLEND_LAYER,
        kernel_initializer=keras.initializers.Constant([[1.0], [0.0]]),
    )
    texture_logit.trainable = blend.trainable = False
    pair = keras.layers.Concatenate(name=PAIR_LAYER)([logit, texture_logit(texture)])
    return blend(pair)


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


def _has_layer(model: keras.Model, name: str) -> bool:
    return any(layer.name == name for layer in model.layers)


def fit_texture_head(model: keras.Model, batches, c: float = 0.003, alpha: float = 3.0) -> None:
    """Fit the texture head (if any) and blend it with the trained logit, half and half.

    The head is ``fit_texture_layers`` on the texture statistics of ``batches`` (a dataset
    of ``(pixels, labels)``): a logistic regression when the model has no hidden texture layer,
    otherwise a one-hidden-layer ReLU network.
    """
    if not _has_layer(model, TEXTURE_LOGIT_LAYER):
        return
    logit = model.get_layer(TEXTURE_LOGIT_LAYER)
    hidden = (
        model.get_layer(TEXTURE_HIDDEN_LAYER) if _has_layer(model, TEXTURE_HIDDEN_LAYER) else None
    )
    texture_of = keras.Model(model.input, (hidden if hidden is not None else logit).input)
    pairs = [(texture_of(x, training=False).numpy(), y.numpy()) for x, y in batches]
    features = np.concatenate([f for f, _ in pairs]).astype(np.float64)
    labels = np.concatenate([y for _, y in pairs]).astype(int)
    layers = fit_texture_layers(
        features, labels, hidden.units if hidden is not None else 0, c, alpha
    )
    for layer, (kernel, bias) in zip([hidden, logit][-len(layers) :], layers, strict=True):
        layer.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    set_texture_weight(model, 0.5)


def fit_texture_layers(
    features: np.ndarray,
    labels: np.ndarray,
    hidden: int,
    c: float = 0.003,
    alpha: float = 3.0,
    seed: int = 0,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(kernel, bias), ...]`` of the texture head fitted with scikit-learn on standardised
    ``features``, the standardisation folded into the first layer: one logistic-regression
    layer (balanced classes, L2 ``c``) if ``hidden`` is 0, else a ReLU layer and the logit layer
    (L2 ``alpha``, early stopping, initialised and split by ``seed``)."""
    scaler = StandardScaler().fit(features)
    standardized = scaler.transform(features)
    if not hidden:
        regression = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        regression.fit(standardized, labels)
        layers = [(regression.coef_.T, regression.intercept_)]
    else:
        network = MLPClassifier(
            (hidden,), alpha=alpha, max_iter=300, early_stopping=True, random_state=seed
        ).fit(standardized, labels)
        layers = list(zip(network.coefs_, network.intercepts_, strict=True))
    kernel, bias = layers[0]
    kernel = kernel / scaler.scale_[:, None]
    layers[0] = (kernel, bias - scaler.mean_ @ kernel)
    return layers


def texture_logits(layers: list[tuple[np.ndarray, np.ndarray]], features: np.ndarray) -> np.ndarray:
    """The logits of ``fit_texture_layers``' layers on ``features``, in NumPy (ReLU between)."""
    h = features
    for i, (kernel, bias) in enumerate(layers):
        h = h @ kernel + bias
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    return h.reshape(-1)


def set_texture_weight(model: keras.Model, weight: float) -> None:
    """Make the blend ``(1 - weight) * logit + weight * texture_logit`` (uncalibrated)."""
    model.get_layer(BLEND_LAYER).set_weights(
        [np.array([[1 - weight], [weight]], np.float32), np.zeros(1, np.float32)]
    )


def logit_pairs(model: keras.Model, dataset) -> np.ndarray:
    """``[N, 2]``: the fine-tuned and texture logits of a dataset of pixel batches."""
    pairs = keras.Model(model.input, model.get_layer(PAIR_LAYER).output)
    return pairs.predict(dataset, verbose=0)


def fold_calibration(model: keras.Model, scale: float, bias: float) -> None:
    """Make the model output sigmoid(scale * logit + bias): Platt scaling, folded into the head
    (into the blend layer when there is one)."""
    layer = model.get_layer(BLEND_LAYER if _has_layer(model, BLEND_LAYER) else LOGIT_LAYER)
    kernel, offset = layer.get_weights()
    layer.set_weights([kernel * np.float32(scale), offset * np.float32(scale) + np.float32(bias)])
