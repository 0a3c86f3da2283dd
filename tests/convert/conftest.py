"""Fixtures for converter tests: a ResNet-50 V2 run with realistic (non-zero) statistics."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import make_untrained_run

RESNET_SIZE = 32


def give_realistic_statistics(run_dir: Path, seed: int = 0) -> None:
    """Random biases and BatchNorm statistics, like trained weights (fresh ones are 0 and 1).

    Zero biases and unit statistics let Grappler fold whole ops away, which would hide the
    graph patterns that trained weights produce.
    """
    import tf_keras as keras

    from training.runs import WEIGHTS, load_run

    model = load_run(run_dir).model
    rng = np.random.default_rng(seed)
    for layer in model.get_layer("backbone").submodules:
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
    model.save_weights(str(run_dir / WEIGHTS))


@pytest.fixture(scope="session")
def resnet_run(tmp_path_factory) -> Path:
    """An untrained ResNet-50 V2 run (Keras architecture, random weights) at 32 x 32."""
    run_dir = make_untrained_run(
        tmp_path_factory.mktemp("resnet_run"), backbone="resnet50v2", input_size=RESNET_SIZE
    )
    give_realistic_statistics(run_dir)
    return run_dir


@pytest.fixture(scope="session")
def resnet_bundle(resnet_run, tmp_path_factory) -> Path:
    """``resnet_run`` exported with float32 TF.js weights, so parity is tight."""
    from convert.export import export_bundle

    return export_bundle(resnet_run, tmp_path_factory.mktemp("bundles") / "resnet", quantize="none")


@pytest.fixture
def bundle_copy(tiny_bundle, tmp_path) -> Path:
    """A private copy of ``tiny_bundle`` that a test may break."""
    return Path(shutil.copytree(tiny_bundle, tmp_path / "bundle"))
