"""POST /v1/feedback: labelled images stored in the layout aiorhuman-train reads."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.intake.photos import ENCODERS, photo
from tests.server import samples
from tests.server.test_app import assert_problem

KEY = {"X-API-Key": "k"}


def send(client, image: bytes, label: str = "ai", **fields):
    data = {"image": (io.BytesIO(image), "x.bin"), "label": label, **fields}
    return client.post("/v1/feedback", data=data, content_type="multipart/form-data", headers=KEY)


def rows(path):
    with path.open(newline="") as f:
        return list(csv.reader(f))


def test_feedback_is_stored_in_the_training_layout(make_client, tmp_path):
    client = make_client(api_keys=("k",), feedback_dir=tmp_path)
    verdict = json.dumps({"probability_ai": 0.2, "verdict": "human", "model": {"name": "d"}})
    first = send(client, samples.jpeg(), "ai", verdict=verdict, page_url="https://a.example/p")
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["stored"] is True
    heic = ENCODERS["heic"][1](photo())
    assert send(client, heic, "human").get_json()["file_name"].endswith(".png")
    again = send(client, samples.jpeg(), "human").get_json()
    assert again["duplicate"] is True and again["stored"] is False
    train = rows(tmp_path / "train.csv")
    assert train[0] == ["", "file_name", "label"] and len(train) == 3
    assert train[1][2] == "1" and train[2][2] == "0"
    assert (tmp_path / train[1][1]).read_bytes() == samples.jpeg()
    metadata = rows(tmp_path / "metadata.csv")
    assert metadata[1][:6] == [train[1][1], "1", "0.2", "human", "d", "https://a.example/p"]
    operation = client.get("/openapi.json").get_json()["paths"]["/v1/feedback"]["post"]
    assert operation["requestBody"]["content"]["multipart/form-data"]["schema"]["required"] == [
        "image",
        "label",
    ]
    from aiorhuman.training.data import load_labelled  # what aiorhuman-train --data reads

    samples_read, _ = load_labelled(tmp_path)
    assert sorted(sample.label for sample in samples_read) == [0, 1]


def test_feedback_needs_keys_and_checks_its_input(make_client, tmp_path):
    with pytest.raises(ValueError, match="API keys"):
        make_client(feedback_dir=tmp_path)
    client = make_client(api_keys=("k",), feedback_dir=tmp_path, feedback_max_images=1)
    no_key = client.post("/v1/feedback", data={"label": "ai"}, content_type="multipart/form-data")
    assert_problem(no_key, 401, "unauthorized")
    assert_problem(send(client, samples.png(), "maybe"), 400, "bad-request")
    assert_problem(send(client, samples.png(), verdict="[1]"), 400, "bad-request")
    assert_problem(send(client, samples.TEXT), 400, "not-an-image")
    assert send(client, samples.png()).status_code == 200
    assert_problem(send(client, samples.png(1)), 507, "feedback-full")
    disabled = make_client(api_keys=("k",))
    assert_problem(send(disabled, samples.png()), 404, "not-found")
