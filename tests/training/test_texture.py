"""The texture head: early-stage statistics, fitted after training and blended with the head."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow as tf

from aiorhuman.training.blend import WEIGHTS
from tests.conftest import make_untrained_run
from tests.images import pixel_batch, write_kaggle_dataset


def test_texture_pooling_appends_early_stage_means_and_stds():
    import tf_keras as keras

    from aiorhuman.training.backbones import efficientnet_lite as lite

    keras.utils.set_random_seed(4)
    model = lite.build(32, pooling="head+texture")
    head = lite.build(32, pooling="head")
    head.set_weights(model.get_weights())
    pixels = pixel_batch(4)
    features = model(pixels).numpy()
    widths = [out for _, _, _, out, _ in lite.STAGES[: lite.TEXTURE_STAGES]]
    assert features.shape == (8, lite.FEATURES + 2 * sum(widths))
    np.testing.assert_allclose(features[:, : lite.FEATURES], head(pixels).numpy(), atol=1e-6)
    # The last texture block is the standard deviation of the last texture stage's output.
    last_std = model.get_layer(f"stage{lite.TEXTURE_STAGES - 1}_std")
    stage_out = keras.Model(model.input, last_std.input)
    expected = stage_out(pixels).numpy().std(axis=(1, 2))
    np.testing.assert_allclose(features[:, -widths[-1] :], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("hidden", [0, 64])
def test_until_fitted_the_blend_is_the_plain_model_then_it_is_the_mean_logit(hidden):
    import tf_keras as keras
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    from aiorhuman.training.config import TrainConfig
    from aiorhuman.training.model import (
        LOGIT_LAYER,
        TEXTURE_HIDDEN_LAYER,
        TEXTURE_LOGIT_LAYER,
        build_classifier,
        fit_texture_head,
    )

    keras.utils.set_random_seed(5)
    plain = build_classifier(TrainConfig(data="-", weights="random", input_size=32))
    textured = build_classifier(
        TrainConfig(
            data="-",
            weights="random",
            input_size=32,
            pooling="head+texture",
            texture_hidden=hidden,
        )
    )
    names = {layer.name for layer in textured.layers}
    assert (TEXTURE_HIDDEN_LAYER in names) == bool(hidden)
    textured.get_layer("backbone").set_weights(plain.get_layer("backbone").get_weights())
    textured.get_layer(LOGIT_LAYER).set_weights(plain.get_layer(LOGIT_LAYER).get_weights())
    pixels = pixel_batch(12)
    np.testing.assert_allclose(textured(pixels).numpy(), plain(pixels).numpy(), atol=1e-6)

    labels = np.array([1] * 12 + [0] * 12)
    fit_texture_head(textured, tf.data.Dataset.from_tensors((pixels, labels)))
    first = TEXTURE_HIDDEN_LAYER if hidden else TEXTURE_LOGIT_LAYER
    features = keras.Model(textured.input, textured.get_layer(first).input)(pixels).numpy()
    standardized = StandardScaler().fit_transform(features.astype(np.float64))
    if hidden:  # the same network scikit-learn fits, its standardisation folded in
        reference = MLPClassifier(
            (hidden,), alpha=3.0, max_iter=300, early_stopping=True, random_state=0
        ).fit(standardized, labels)
        p = np.clip(reference.predict_proba(standardized)[:, 1], 1e-7, 1 - 1e-7)
        texture_logit = np.log(p / (1 - p))
    else:
        reference = LogisticRegression(C=0.003, class_weight="balanced", max_iter=5000)
        texture_logit = reference.fit(standardized, labels).decision_function(standardized)
    head_logit = keras.Model(textured.input, textured.get_layer(LOGIT_LAYER).output)(pixels)
    blended = (head_logit.numpy().reshape(-1) + texture_logit) / 2
    np.testing.assert_allclose(
        textured(pixels).numpy().reshape(-1), 1 / (1 + np.exp(-blended)), atol=1e-3
    )


def test_the_hidden_texture_head_is_scikit_learns_network_for_the_given_seed():
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    from aiorhuman.training.model import fit_texture_layers

    rng = np.random.default_rng(0)
    features = rng.normal(size=(300, 6)) * [1, 10, 100, 1, 1, 1] + 50
    labels = (features[:, 0] + 0.1 * features[:, 1] > 55).astype(int)

    def logits(layers):
        (k1, b1), (k2, b2) = layers
        return (np.maximum(features @ k1 + b1, 0) @ k2 + b2).reshape(-1)

    standardized = StandardScaler().fit_transform(features)
    for seed in (0, 1):
        reference = MLPClassifier(
            (8,), alpha=3.0, max_iter=300, early_stopping=True, random_state=seed
        ).fit(standardized, labels)
        p = reference.predict_proba(standardized)[:, 1].clip(1e-12, 1 - 1e-12)
        np.testing.assert_allclose(
            logits(fit_texture_layers(features, labels, 8, seed=seed)),
            np.log(p / (1 - p)),
            atol=1e-5,
        )
    assert not np.allclose(
        logits(fit_texture_layers(features, labels, 8, seed=0)),
        logits(fit_texture_layers(features, labels, 8, seed=1)),
    )


def test_runs_from_before_the_hidden_texture_layer_load_as_linear():
    from aiorhuman.training.config import TrainConfig

    old = TrainConfig(pooling="head+texture").to_json()
    del old["texture_hidden"]
    assert TrainConfig.from_json(old).texture_hidden == 0
    assert TrainConfig.from_json(TrainConfig().to_json()).texture_hidden == 64


@pytest.mark.slow
def test_a_run_gets_a_texture_head_and_exports_with_tfjs_parity(tmp_path):
    from aiorhuman.bundle import load_bundle
    from aiorhuman.convert.export import export_bundle
    from aiorhuman.convert.verify import tfjs_checks
    from aiorhuman.training.runs import load_run
    from aiorhuman.training.texture import main as add_texture

    data = write_kaggle_dataset(tmp_path / "data", per_class=10)
    run = make_untrained_run(tmp_path / "run")
    keys = [f"train_data/{label}_{i}.jpg" for i in range(10) for label in (0, 1)]
    split = {"train": keys[:12], "validation": keys[12:16], "test": keys[16:]}
    (run / "splits.json").write_text(
        json.dumps({k: [{"file": f, "label": int(f[11])} for f in v] for k, v in split.items()})
    )
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "data": str(data / "train.csv")}))

    add_texture([str(run), "--out", str(tmp_path / "textured")])
    textured = load_run(tmp_path / "textured")
    assert textured.config.pooling == "head+texture"
    metrics = json.loads((tmp_path / "textured" / "metrics.json").read_text())
    assert metrics["validation"]["count"] == 4 and metrics["test"]["count"] == 4
    assert textured.config.texture_hidden == 64
    for name in ("texture_hidden", "texture_logit"):
        assert np.abs(textured.model.get_layer(name).get_weights()[0]).max() > 0
    chosen = textured.decision["texture_weight"]
    assert chosen["weight"] in WEIGHTS and len(chosen["table"]) == len(WEIGHTS)
    blend = textured.model.get_layer("blend").get_weights()[0].reshape(-1)
    assert blend[1] / blend.sum() == pytest.approx(chosen["weight"], abs=1e-5)

    bundle = load_bundle(export_bundle(tmp_path / "textured", tmp_path / "bundle"))
    pixels = pixel_batch(4)
    expected = bundle.predict_pixels(pixels)
    # An untrained network's logits are large; float32 rounding in the exported graph's
    # fused ops moves a probability near 0.65 by up to ~2e-5.
    np.testing.assert_allclose(
        expected, textured.model(pixels, training=False).numpy().reshape(-1), atol=5e-5
    )
    [check] = tfjs_checks(bundle, pixels, expected, ("node-wasm",), timeout=300)
    assert check.passed, check
    stages = make_untrained_run(tmp_path / "stages", pooling="stages")
    with pytest.raises(SystemExit, match="pooling 'head'"):
        add_texture([str(stages), "--out", str(tmp_path / "again")])


def test_the_texture_head_can_also_learn_reconstructions_of_human_training_images(tmp_path):
    import shutil

    from aiorhuman.training.runs import load_run
    from aiorhuman.training.texture import main as add_texture

    data = write_kaggle_dataset(tmp_path / "data", per_class=6)
    run = make_untrained_run(tmp_path / "run")
    keys = [f"train_data/{label}_{i}.jpg" for i in range(6) for label in (0, 1)]
    split = {"train": keys[:8], "validation": keys[8:12]}
    (run / "splits.json").write_text(
        json.dumps({k: [{"file": f, "label": int(f[11])} for f in v] for k, v in split.items()})
    )
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "data": str(data / "train.csv")}))
    cache = tmp_path / "cache"  # stand-ins for reconstructions: one per human image of train
    cache.mkdir()
    for key in keys:
        shutil.copy(data / key, cache / key.split("/")[1])

    add_texture([str(run), "--out", str(tmp_path / "textured"), "--pairs", str(cache)])
    record = json.loads((tmp_path / "textured" / "pairs.json").read_text())
    assert record["originals"] == ["0_0.jpg", "0_1.jpg", "0_2.jpg", "0_3.jpg"]
    assert load_run(tmp_path / "textured").config.pairs == str(cache)
