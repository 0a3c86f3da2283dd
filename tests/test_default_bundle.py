"""The shipped bundle, models/default: intact, loadable without training code, and usable."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image

from aiorhuman.batch.predict import main as predict_main
from aiorhuman.bundle import BundleError, load_bundle
from aiorhuman.bundle.preprocess import preprocess_bytes
from tests.images import encode

DEFAULT = Path(__file__).resolve().parents[1] / "models" / "default"


@pytest.fixture(scope="module")
def shipped():
    return load_bundle(DEFAULT)  # checks card version and every file's sha256


def test_card_meets_the_size_budget_and_contract(shipped):
    card = shipped.card
    assert card["backbone"]["name"] == "efficientnet_lite0" and card["input_size"] == 320
    low, high = card["unsure_band"]
    assert 0 < low <= card["threshold"] <= high < 1
    tfjs = sum(p.stat().st_size for p in (DEFAULT / "tfjs").iterdir())
    everything = sum(p.stat().st_size for p in DEFAULT.rglob("*") if p.is_file())
    assert tfjs <= 12 * 2**20 and everything <= 35 * 2**20
    assert set(card["files"]) == {
        str(p.relative_to(DEFAULT))
        for p in DEFAULT.rglob("*")
        if p.is_file() and p.name != "card.json"
    }


def test_scores_real_photos_through_both_signatures(shipped):
    photos = [skimage.data.chelsea(), skimage.data.coffee(), skimage.data.astronaut()]
    encoded = [encode(Image.fromarray(p), "JPEG", quality=92) for p in photos]
    from_bytes = shipped.predict_bytes(encoded)
    assert from_bytes.shape == (3,) and ((from_bytes >= 0) & (from_bytes <= 1)).all()
    size = shipped.card["input_size"]
    pixels = np.stack([preprocess_bytes(data, size).numpy() for data in encoded])
    np.testing.assert_allclose(shipped.predict_pixels(pixels), from_bytes, atol=1e-5)
    assert {shipped.verdict(float(p)) for p in from_bytes} <= {"ai", "human", "unsure"}


def test_prediction_cli_uses_the_shipped_bundle(tmp_path):
    Image.fromarray(skimage.data.coffee()).save(tmp_path / "coffee.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    out = tmp_path / "scores.csv"
    predict_main(["--model", str(DEFAULT), str(tmp_path), "--out", str(out)])
    rows = out.read_text().splitlines()
    assert rows[0] == "path,probability_ai,verdict,error,reason,provenance" and len(rows) == 3
    assert "cannot be read" in next(r for r in rows if "broken" in r)


def test_a_tampered_copy_is_refused(tmp_path):
    copy = shutil.copytree(DEFAULT, tmp_path / "copy")
    card = json.loads((copy / "card.json").read_text())
    (copy / "tfjs" / "model.json").write_text("{}")
    with pytest.raises(BundleError, match="corrupted"):
        load_bundle(copy)
    assert card["card_version"] == 1
