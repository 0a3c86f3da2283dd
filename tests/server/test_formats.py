"""Every format the intake reads scores through the server as the same pixels do as PNG."""

from __future__ import annotations

import pytest

from tests.intake.photos import ENCODERS, first_frame_png, photo

# TensorFlow's and Pillow's JPEG decoders may differ by a grey level here and there.
TOLERANCE = {"jpeg": 2e-3}


@pytest.mark.parametrize("name", list(ENCODERS))
def test_each_format_scores_as_its_pixels(client, tiny_model, name):
    data = ENCODERS[name][1](photo())
    response = client.post("/v1/predict", data=data, content_type="application/octet-stream")
    assert response.status_code == 200, response.get_data(as_text=True)
    expected = tiny_model.predict([first_frame_png(data)])[0]
    tolerance = TOLERANCE.get(name, 1e-5)
    assert response.get_json()["probability_ai"] == pytest.approx(expected, abs=tolerance)
