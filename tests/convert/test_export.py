"""The exported bundle: its files, its card, and that bundle.load_bundle accepts it."""

from __future__ import annotations

import json

import numpy as np

from aiorhuman.bundle import load_bundle
from aiorhuman.convert.card import portable_config, portable_path
from tests.images import encode, noisy_image, smooth_image


def test_bundle_layout_and_card(tiny_bundle):
    card = json.loads((tiny_bundle / "card.json").read_text())
    assert card["card_version"] == 1
    assert card["input_size"] == 32
    assert card["tfjs"]["quantization"] == "float16"
    assert (tiny_bundle / "MODEL_CARD.md").is_file()
    assert (tiny_bundle / "tfjs" / "model.json").is_file()
    assert "tfjs/model.json" in card["files"] and "MODEL_CARD.md" in card["files"]
    listed = {p.relative_to(tiny_bundle).as_posix() for p in tiny_bundle.rglob("*") if p.is_file()}
    assert listed - {"card.json"} == set(card["files"])
    assert card["saved_model"]["signatures"]["serving_default"]["inputs"] == {
        "image_bytes": {"dtype": "string", "shape": [-1]}
    }


def test_bundle_predicts_bytes_and_pixels(tiny_bundle, tiny_run):
    from aiorhuman.bundle.preprocess import preprocess_bytes
    from aiorhuman.training.runs import load_run

    bundle = load_bundle(tiny_bundle)
    images = [encode(smooth_image(1)), encode(noisy_image(2), "JPEG", quality=90)]
    from_bytes = bundle.predict_bytes(images)
    pixels = np.stack([preprocess_bytes(data, 32).numpy() for data in images])
    from_pixels = bundle.predict_pixels(pixels)
    keras_probs = load_run(tiny_run).model(pixels, training=False).numpy().reshape(-1)
    assert from_bytes.shape == (2,)
    np.testing.assert_allclose(from_bytes, from_pixels, atol=1e-6)
    np.testing.assert_allclose(from_pixels, keras_probs, atol=1e-5)
    assert bundle.predict_bytes([]).shape == (0,)


def test_the_model_card_names_the_texture_weight_chosen_on_validation(tiny_bundle):
    from aiorhuman.convert.card import model_card_markdown

    card = json.loads((tiny_bundle / "card.json").read_text())
    assert "texture head" not in model_card_markdown(card, tiny_bundle)
    card["decision"]["texture_weight"] = {"weight": 0.35, "chosen_on": "validation", "table": []}
    assert "blend weight 0.35, chosen on validation" in model_card_markdown(card, tiny_bundle)
    card["training_config"]["texture_hidden"] = 64
    assert "a 64-unit ReLU network" in model_card_markdown(card, tiny_bundle)
    card["training_config"]["texture_hidden"] = 0
    assert "a logistic regression" in model_card_markdown(card, tiny_bundle)


def test_the_model_card_says_when_the_model_also_trained_on_its_test_split(tiny_bundle):
    from aiorhuman.convert.card import model_card_markdown

    card = json.loads((tiny_bundle / "card.json").read_text())
    assert "release fit" not in model_card_markdown(card, tiny_bundle)
    card["training_config"]["train_on_test"] = True
    assert "release fit: trained on the test split too" in model_card_markdown(card, tiny_bundle)


def test_the_card_records_no_machine_path(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path / "..")
    data = str(tmp_path / "shared" / "webmix-dev")
    assert portable_path(data) == f"{tmp_path.name}/shared/webmix-dev"
    assert portable_path("../shared/webmix-dev") == "../shared/webmix-dev"
    config = portable_config({"data": data, "pairs": "", "hub_handle": "https://tfhub.dev/x"})
    assert config == {
        "data": f"{tmp_path.name}/shared/webmix-dev",
        "pairs": "",
        "hub_handle": "https://tfhub.dev/x",
    }
