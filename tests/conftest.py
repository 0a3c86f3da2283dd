"""Shared fixtures: small real images, an untrained run directory and a bundle made from it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.images import pixel_batch

TINY_SIZE = 32


def make_untrained_run(
    out: Path,
    backbone: str = "efficientnet_lite0",
    input_size: int = TINY_SIZE,
    pooling: str = "head",
) -> Path:
    """A run directory with random weights whose outputs still spread over 0..1.

    Real enough for export, parity and serving tests: it is exactly what training writes,
    minus the training.
    """
    import tensorflow as tf
    import tf_keras as keras

    from aiorhuman.training.config import TrainConfig
    from aiorhuman.training.model import (
        LOGIT_LAYER,
        adapt_standardization,
        build_classifier,
        fold_standardization,
    )

    out.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(
        data="(none)",
        backbone=backbone,
        weights="random",
        input_size=input_size,
        pooling=pooling,
    )
    keras.utils.set_random_seed(7)
    model = build_classifier(config)
    pixels = pixel_batch(4, input_size)
    adapt_standardization(model, tf.data.Dataset.from_tensors(pixels))
    # Scale the head so that logits on real images have a spread of about 2.
    features = keras.Model(model.input, model.get_layer(LOGIT_LAYER).input)(pixels).numpy()
    rng = np.random.default_rng(7)
    kernel = rng.normal(size=(features.shape[1], 1)).astype(np.float32)
    logits = features @ kernel
    kernel *= 2.0 / max(float(logits.std()), 1e-6)
    bias = -float((features @ kernel).mean())
    model.get_layer(LOGIT_LAYER).set_weights([kernel, np.array([bias], np.float32)])
    fold_standardization(model)  # as training does at the end
    return write_run(out, model, config)


def write_run(out: Path, model, config) -> Path:
    """Write ``model`` and ``config`` as a finished run directory, as training would."""
    from aiorhuman.training.runs import WEIGHTS

    model.save_weights(str(out / WEIGHTS))
    config.save(out / "config.json")
    decision = {"threshold": 0.5, "unsure_band": [0.4, 0.6], "chosen_on": "untrained test run"}
    (out / "decision.json").write_text(json.dumps(decision))
    (out / "metrics.json").write_text(json.dumps({"validation": {}}))
    return out


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """An untrained EfficientNet-Lite0 run at 32 x 32."""
    return make_untrained_run(tmp_path_factory.mktemp("tiny_run"))


@pytest.fixture(scope="session")
def tiny_bundle(tiny_run, tmp_path_factory) -> Path:
    """A bundle exported from ``tiny_run`` (SavedModel, TF.js float16, card.json)."""
    from aiorhuman.convert.export import export_bundle

    return export_bundle(tiny_run, tmp_path_factory.mktemp("bundles") / "tiny", quantize="float16")
