"""Stage pooling: every Lite0 stage's pooled features, standardised, feed the head."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import make_untrained_run
from tests.images import encode, noisy_image, pixel_batch, smooth_image


def test_stage_pooling_appends_every_stage_to_the_head_features():
    import tf_keras as keras

    from aiorhuman.training.backbones import efficientnet_lite

    keras.utils.set_random_seed(3)
    stages = efficientnet_lite.build(32, pooling="stages")
    head = efficientnet_lite.build(32, pooling="head")
    head.set_weights(stages.get_weights())
    pixels = pixel_batch(3)
    features = stages(pixels).numpy()
    widths = [out for _, _, _, out, _ in efficientnet_lite.STAGES]
    assert features.shape == (6, sum(widths) + efficientnet_lite.FEATURES)
    np.testing.assert_allclose(
        features[:, -efficientnet_lite.FEATURES :], head(pixels).numpy(), atol=1e-6
    )


def test_unknown_pooling_and_resnet_stages_are_refused():
    from aiorhuman.training.backbones import BackboneSpec, build_backbone, efficientnet_lite

    with pytest.raises(ValueError, match="unknown pooling"):
        efficientnet_lite.build(32, pooling="max")
    with pytest.raises(ValueError, match="only pooling='head'"):
        build_backbone(BackboneSpec("resnet50v2", "random", pooling="stages"), 32)


def test_the_standardisation_is_fitted_to_the_features_then_folded_away():
    import tf_keras as keras

    from aiorhuman.training.config import TrainConfig
    from aiorhuman.training.model import (
        STANDARDIZE_LAYER,
        adapt_standardization,
        build_classifier,
        fold_standardization,
    )

    config = TrainConfig(data="(none)", weights="random", input_size=32, pooling="stages")
    model = build_classifier(config)
    pixels = pixel_batch(3)
    adapt_standardization(model, tf.data.Dataset.from_tensors((pixels, np.zeros(6))))
    standardised = keras.Model(model.input, model.get_layer(STANDARDIZE_LAYER).output)
    raw = keras.Model(model.input, model.get_layer(STANDARDIZE_LAYER).input)(pixels).numpy()
    out = standardised(pixels).numpy()
    epsilon = model.get_layer(STANDARDIZE_LAYER).epsilon
    expected = (raw - raw.mean(axis=0)) / np.sqrt(raw.var(axis=0) + epsilon)
    np.testing.assert_allclose(out, expected, atol=1e-4)
    assert out.std() > 0.1

    before = model(pixels, training=False).numpy()
    fold_standardization(model)
    np.testing.assert_allclose(standardised(pixels).numpy(), raw, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model(pixels, training=False).numpy(), before, atol=1e-5)


def test_a_stage_pooling_run_exports_with_its_estimates_and_matches_keras(tmp_path):
    from aiorhuman.bundle import load_bundle
    from aiorhuman.bundle.preprocess import preprocess_bytes
    from aiorhuman.convert.cli import main as convert_main
    from aiorhuman.training.runs import load_run

    run = make_untrained_run(tmp_path / "run", pooling="stages")
    assert json.loads((run / "config.json").read_text())["pooling"] == "stages"
    evaluation = {
        "leave_one_source_out": {
            "summary": "Mean accuracy 0.8 over 2 sources.",
            "command": "python benchmarks/baseline_logreg.py --pooling stages",
            "per_source": {
                "cams": {"label": "human", "count": 12, "accuracy": 0.9},
                "gens": {"label": "ai", "count": 10, "accuracy": 0.7},
            },
        }
    }
    (tmp_path / "evaluation.json").write_text(json.dumps(evaluation))
    bundle_dir = tmp_path / "bundle"
    convert_main(
        [str(run), "--out", str(bundle_dir), "--evaluation", str(tmp_path / "evaluation.json")]
    )
    card = json.loads((bundle_dir / "card.json").read_text())
    assert card["evaluation"] == evaluation
    page = (bundle_dir / "MODEL_CARD.md").read_text()
    assert "### leave one source out" in page
    assert "gens 0.70 (ai), cams 0.90 (human)" in page
    assert "pooling stages" in page
    bundle = load_bundle(bundle_dir)
    images = [encode(smooth_image(1)), encode(noisy_image(2), "JPEG", quality=90)]
    pixels = np.stack([preprocess_bytes(data, 32).numpy() for data in images])
    keras_probs = load_run(run).model(pixels, training=False).numpy().reshape(-1)
    np.testing.assert_allclose(bundle.predict_bytes(images), keras_probs, atol=1e-5)
    assert keras_probs.std() > 1e-3

    # Estimates measured later are recorded without touching the model files.
    weights_before = {k: v for k, v in card["files"].items() if k != "MODEL_CARD.md"}
    later = {"held_out_test_split": {"summary": "ROC-AUC 0.9 on 40 test images.", "roc_auc": 0.9}}
    (tmp_path / "later.json").write_text(json.dumps(later))
    convert_main(["--annotate", str(bundle_dir), "--evaluation", str(tmp_path / "later.json")])
    card = json.loads((bundle_dir / "card.json").read_text())
    assert card["evaluation"] == later
    assert {k: v for k, v in card["files"].items() if k != "MODEL_CARD.md"} == weights_before
    assert "ROC-AUC 0.9 on 40 test images." in (bundle_dir / "MODEL_CARD.md").read_text()
    load_bundle(bundle_dir)  # every sha256 still matches
    (tmp_path / "later.json").write_text("[1, 2]")
    with pytest.raises(SystemExit, match="JSON object of objects"):
        convert_main(["--annotate", str(bundle_dir), "--evaluation", str(tmp_path / "later.json")])
