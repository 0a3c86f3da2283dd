"""The server's answers carry the file's provenance; metadata can decide the verdict."""

from __future__ import annotations

import functools
import io

import pytest

from aiorhuman.provenance import TRUST_DIR_ENV
from tests.provenance.make_fixtures import fixtures, make_signer


@functools.cache
def files() -> dict[str, bytes]:
    return fixtures()


@pytest.fixture(autouse=True)
def trusted_test_ca(tmp_path, monkeypatch):
    """The fixtures' test CA as the user's own anchor in $AIORHUMAN_TRUST_DIR: its C2PA
    signatures are recognised, so they decide (docs/provenance.md, Trust)."""
    (tmp_path / "test-ca.pem").write_bytes(make_signer()[1])
    monkeypatch.setenv(TRUST_DIR_ENV, str(tmp_path))


def post(client, name: str):
    response = client.post("/v1/predict", data=files()[name], content_type="image/jpeg")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize(
    "name", ["c2pa_ai.jpg", "c2pa_ai_ingredient.jpg", "png_comfyui.png", "jpeg_xmp_ai.jpg"]
)
def test_decisive_metadata_makes_the_verdict_ai(client, tiny_model, name):
    body = post(client, name)
    assert body["verdict"] == "ai" and body["reason"] == "metadata"
    assert body["provenance"]["decision"] == "ai"
    assert 0 <= body["probability_ai"] <= 1  # still the model's own probability
    assert body["model_verdict"] == tiny_model.verdict(body["probability_ai"])
    assert body["timings"]["provenance_ms"] >= 0


@pytest.mark.parametrize(
    "name", ["c2pa_ai_tampered.jpg", "c2pa_camera.jpg", "jpeg_exif_camera.jpg", "plain.png"]
)
def test_other_files_keep_the_models_verdict(client, tiny_model, name):
    body = post(client, name)
    assert body["reason"] == "model"
    assert body["verdict"] == body["model_verdict"] == tiny_model.verdict(body["probability_ai"])
    assert body["provenance"]["decision"] is None


def test_a_tampered_manifest_is_reported_not_believed(client):
    (signal,) = post(client, "c2pa_ai_tampered.jpg")["provenance"]["signals"]
    assert signal["kind"] == "c2pa" and signal["indicates"] == "ai"
    assert not signal["decisive"] and not signal["c2pa"]["valid"]
    assert "assertion.dataHash.mismatch" in signal["c2pa"]["validation_errors"]


def test_camera_metadata_is_shown(client):
    signals = post(client, "jpeg_exif_camera.jpg")["provenance"]["signals"]
    assert [s["kind"] for s in signals] == ["camera"]
    assert signals[0]["camera"]["model"] == "Canon EOS R6"


def test_multipart_results_each_carry_provenance(client, tiny_model):
    names = ["plain.jpg", "c2pa_ai.jpg", "png_text_malformed.png"]
    parts = {"image": [(io.BytesIO(files()[n]), n) for n in names]}
    body = client.post("/v1/predict", data=parts, content_type="multipart/form-data").get_json()
    reasons = [r["reason"] for r in body["results"]]
    assert reasons == ["model", "metadata", "model"]
    assert body["results"][2]["provenance"]["errors"]  # malformed chunks: noted, not fatal


def test_provenance_is_read_from_the_original_bytes(client):
    """A WebP is transcoded to PNG for the model; its EXIF and XMP still count."""
    body = post(client, "webp_exif_xmp.webp")
    assert body["reason"] == "metadata"
    assert [s["kind"] for s in body["provenance"]["signals"]] == ["xmp", "exif-generator"]
