"""Issue 19: what a cheap request may cost the server, checked before decoding."""

from __future__ import annotations

import io
import threading

from PIL import Image

from tests.images import encode
from tests.server.conftest import GatedModel
from tests.server.test_app import assert_problem, post_files, post_raw


def solid_png(side: int) -> bytes:
    """A solid PNG: a few KB that decode to ``side`` x ``side`` pixels."""
    return encode(Image.new("RGB", (side, side), (200, 30, 60)), "PNG", optimize=True)


def test_total_pixels_of_a_multipart_are_checked_before_decoding(make_client):
    """Item 3: 16 solid 6300 x 6300 PNGs (825 KB) used to buy 30 s of CPU."""
    client = make_client()
    bomb = solid_png(6300)
    assert 16 * len(bomb) < 3_000_000  # ~2 MB: far under the body limit
    body = assert_problem(post_files(client, [bomb] * 16), 422, "too-many-pixels")
    assert body["limit"] == 100_000_000 and "together" in body["detail"]


def test_each_client_has_a_pixel_budget(make_client):
    """Item 3: a client that keeps sending big images is slowed down, others are not."""
    client = make_client(max_request_pixels=1_000_000, client_pixels_per_minute=2_000_000)
    image = solid_png(900)  # 0.81 MP
    assert post_raw(client, image).status_code == 200
    limited = assert_problem(post_raw(client, image), 429, "rate-limited")
    assert "pixels per minute" in limited["detail"]
    other = post_raw(client, image, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_costly_work_leaves_threads_for_healthz(make_client, tiny_model):
    """Item 3: /v1/ work takes one of --work-threads slots; past them, 503 at once."""
    gate, called = threading.Event(), threading.Event()

    class Signalling(GatedModel):
        def predict(self, images):
            called.set()
            return super().predict(images)

    client = make_client(Signalling(tiny_model, gate), work_threads=1)
    image = encode(Image.new("RGB", (32, 32)), "PNG")
    held = threading.Thread(target=lambda: post_raw(client, image))
    held.start()
    try:
        assert called.wait(10)  # the first request holds the only slot, in the model
        assert_problem(post_raw(client, image), 503, "overloaded")
        assert client.get("/healthz").status_code == 200
    finally:
        gate.set()
        held.join(10)


def test_too_many_multipart_fields_are_named(make_client):
    """Item 6: 2,000 empty fields used to get a 413 that blamed the body size."""
    client = make_client()
    fields = {f"f{i}": "" for i in range(2000)}
    body = assert_problem(
        client.post("/v1/predict", data=fields, content_type="multipart/form-data"),
        400,
        "too-many-parts",
    )
    assert "parts" in body["detail"] and "larger" not in body["detail"]


def test_chunked_bodies_count_against_the_limit(make_client):
    """Item 4: a body without Content-Length is counted as it is read."""
    client = make_client(max_body_bytes=10_000)
    stream = io.BytesIO(solid_png(40) + b"\x00" * 20_000)
    environ = {"wsgi.input_terminated": True}
    response = client.post(
        "/v1/predict",
        input_stream=stream,
        content_type="image/png",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides=environ,
    )
    assert_problem(response, 413, "body-too-large")
    small = post_files(client, [solid_png(40)])
    assert small.status_code == 200
