"""Fixtures for converter tests: a ResNet-50 V2 run with realistic (non-zero) statistics."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import write_run

RESNET_SIZE = 32


def make_resnet_run(out: Path, input_size: int = RESNET_SIZE, seed: int = 0) -> Path:
    """An untrained ResNet-50 V2 run (Keras architecture) whose weights look trained.

    Fresh weights have zero biases and unit BatchNorm statistics, which let Grappler fold
    whole ops away and hide the graph patterns that trained weights produce; these get random
    biases and statistics instead.
    """
    import tf_keras as keras

    from aiorhuman.training.config import TrainConfig
    from aiorhuman.training.model import build_classifier

    out.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(
        data="(none)", backbone="resnet50v2", weights="random", input_size=input_size
    )
    keras.utils.set_random_seed(seed)
    model = build_classifier(config)
    rng = np.random.default_rng(seed)
    for layer in model.submodules:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights(
                [
                    gamma * rng.uniform(0.8, 1.2, gamma.shape).astype(np.float32),
                    rng.normal(0, 0.1, beta.shape).astype(np.float32),
                    rng.normal(0, 0.1, mean.shape).astype(np.float32),
                    variance * rng.uniform(0.8, 1.5, variance.shape).astype(np.float32),
                ]
            )
        elif isinstance(layer, keras.layers.Conv2D) and layer.use_bias:
            kernel, bias = layer.get_weights()
            layer.set_weights([kernel, rng.normal(0, 0.05, bias.shape).astype(np.float32)])
    return write_run(out, model, config)


@pytest.fixture(scope="session")
def resnet_run(tmp_path_factory) -> Path:
    """An untrained ResNet-50 V2 run (Keras architecture, random weights) at 32 x 32."""
    return make_resnet_run(tmp_path_factory.mktemp("resnet_run"))


@pytest.fixture(scope="session")
def resnet_bundle(resnet_run, tmp_path_factory) -> Path:
    """``resnet_run`` exported with float32 TF.js weights, so parity is tight."""
    from aiorhuman.convert.export import export_bundle

    return export_bundle(resnet_run, tmp_path_factory.mktemp("bundles") / "resnet", quantize="none")


@pytest.fixture
def bundle_copy(tiny_bundle, tmp_path) -> Path:
    """A private copy of ``tiny_bundle`` that a test may break."""
    return Path(shutil.copytree(tiny_bundle, tmp_path / "bundle"))
