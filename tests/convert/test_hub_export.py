"""A ResNet-50 V2 run built on a TF Hub module (a local copy) exports and verifies too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiorhuman.convert.export import export_bundle
from aiorhuman.convert.verify import verify_bundle

SIZE = 32


def _write_hub_module(path: Path) -> Path:
    """A TF2 SavedModel with the image feature-vector interface of TF Hub modules."""
    import tensorflow as tf

    class FeatureVector(tf.Module):
        def __init__(self):
            self.kernel = tf.Variable(tf.random.stateless_normal([3, 3, 3, 16], seed=[1, 2]))
            self.bias = tf.Variable(tf.random.stateless_normal([16], seed=[3, 4]) * 0.1)

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
        def __call__(self, images):
            x = tf.nn.conv2d(images, self.kernel, 2, "SAME") + self.bias
            return tf.reduce_mean(tf.nn.relu(x), [1, 2])

    tf.saved_model.save(FeatureVector(), str(path))
    return path


def _hub_run(out: Path, module: Path) -> Path:
    import tf_keras as keras

    from aiorhuman.training.config import TrainConfig
    from aiorhuman.training.model import build_classifier

    out.mkdir(parents=True)
    config = TrainConfig(
        data="(none)", backbone="resnet50v2", weights="hub", hub_handle=str(module), input_size=SIZE
    )
    keras.utils.set_random_seed(5)
    model = build_classifier(config)
    model.save_weights(str(out / "model.weights.h5"))
    config.save(out / "config.json")
    (out / "decision.json").write_text(json.dumps({"threshold": 0.5, "unsure_band": [0.4, 0.6]}))
    return out


@pytest.mark.slow
def test_hub_backbone_run_exports_and_verifies(tmp_path):
    run_dir = _hub_run(tmp_path / "run", _write_hub_module(tmp_path / "module"))
    bundle = export_bundle(run_dir, tmp_path / "hub_bundle", quantize="none")
    card = json.loads((bundle / "card.json").read_text())
    assert card["backbone"]["name"] == "resnet50v2"
    report = verify_bundle(bundle, backends=("node-wasm",), timeout=120)
    assert report.passed, report.as_text()
