"""The Flask app in-process, over the tiny bundle: endpoints, errors, keys, CORS, limits."""

from __future__ import annotations

import io
import json
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiorhuman.server.problems import MEDIA_TYPE
from tests.server import samples
from tests.server.conftest import GatedModel

EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


def post_raw(client, data: bytes, content_type: str = "image/png", **kwargs):
    return client.post("/v1/predict", data=data, content_type=content_type, **kwargs)


def post_files(client, files: list[bytes], **kwargs):
    parts = {"image": [(io.BytesIO(f), f"f{i}.bin") for i, f in enumerate(files)]}
    return client.post("/v1/predict", data=parts, content_type="multipart/form-data", **kwargs)


def assert_problem(response, status: int, slug: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == MEDIA_TYPE
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert "Traceback" not in response.get_data(as_text=True)
    if slug:
        assert body["type"].endswith(":" + slug)
    return body


def test_get_endpoints(client, tiny_model):
    card = tiny_model.card
    assert client.get("/healthz").get_json() == {
        "status": "ok",
        "model": {"name": card["name"], "version": card["version"]},
        "queue_depth": 0,
    }
    assert client.get("/v1/model").get_json()["unsure_band"] == [0.4, 0.6]
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {
        "/v1/predict",
        "/v1/model",
        "/healthz",
        "/openapi.json",
        "/metrics",
    }
    post_raw(client, samples.png())
    metrics = client.get("/metrics")
    assert metrics.mimetype == "text/plain"
    text = metrics.get_data(as_text=True)
    assert 'aiorhuman_requests_total{endpoint="/v1/predict",method="POST",status="200"} 1' in text
    assert 'aiorhuman_batch_size_bucket{le="1"} 1' in text


def test_predict_raw_bytes(client, tiny_model):
    response = post_raw(client, samples.png(), headers={"X-Request-ID": "abc-1"})
    assert response.status_code == 200
    body = response.get_json()
    assert 0 <= body["probability_ai"] <= 1
    assert body["verdict"] == tiny_model.verdict(body["probability_ai"])
    assert body["model"] == {"name": "tiny", "version": tiny_model.card["version"]}
    assert set(body["timings"]) == {
        "total_ms",
        "prepare_ms",
        "queue_ms",
        "model_ms",
        "provenance_ms",
    }
    assert body["reason"] == "model" and body["provenance"]["signals"] == []
    assert response.headers["X-Request-ID"] == "abc-1"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("content_type", ["image/gif", "application/octet-stream", ""])
def test_formats_are_judged_by_content_not_header(client, content_type):
    expected = post_raw(client, samples.png(), "image/png").get_json()["probability_ai"]
    response = post_raw(client, samples.png(), content_type)
    assert response.get_json()["probability_ai"] == expected


def test_multipart_many_in_order(client):
    files = [samples.png(i) for i in range(5)]
    singles = [post_raw(client, f).get_json()["probability_ai"] for f in files]
    body = post_files(client, files).get_json()
    # Batched and single calls may differ in the last float bits.
    assert [r["probability_ai"] for r in body["results"]] == pytest.approx(singles, abs=1e-5)
    assert body["model"]["name"] == "tiny"


@pytest.mark.parametrize(("data", "status", "slug"), samples.bad_images())
def test_bad_images(client, data, status, slug):
    assert_problem(post_raw(client, data), status, slug)
    assert_problem(post_files(client, [data]), status, slug)


def test_bad_image_among_many_is_named(client):
    body = assert_problem(post_files(client, [samples.png(), samples.TEXT]), 400, "not-an-image")
    assert body["index"] == 1 and body["detail"].startswith("Image 1:")


@pytest.mark.parametrize(
    "maker", [samples.animated_gif, samples.cmyk_jpeg, samples.webp, samples.jpeg]
)
def test_other_real_images_are_scored(client, maker):
    assert post_raw(client, maker()).status_code == 200


def test_animated_gif_is_scored_on_its_first_frame(make_client, tiny_model):
    model = tiny_model
    client = make_client(model)
    gif = samples.animated_gif()
    post_raw(client, gif)
    assert (
        post_raw(client, gif).get_json()["probability_ai"] == (model.predict([_transcoded(gif)])[0])
    )


def _transcoded(data: bytes) -> bytes:
    from aiorhuman import intake

    return intake.to_png(data, intake.inspect(data, intake.Limits(10**8, 10**4)))


def test_request_errors(make_client):
    client = make_client(max_body_bytes=10_000, max_files=2, max_frames=3)
    assert_problem(post_raw(client, b"\x00" * 20_000), 413, "body-too-large")
    assert_problem(post_raw(client, samples.png(), "text/plain"), 415, "unsupported-media-type")
    assert_problem(post_files(client, [samples.png()] * 3), 400, "too-many-files")
    assert_problem(post_raw(client, samples.animated_gif(4)), 422, "too-many-frames")
    assert_problem(
        client.post("/v1/predict", data={"other": (io.BytesIO(b"x"), "x")}),
        400,
        "bad-request",
    )
    assert_problem(client.get("/nowhere"), 404, "not-found")
    response = assert_problem(client.put("/v1/predict"), 405, "method-not-allowed")
    assert response["status"] == 405
    assert "POST" in client.put("/v1/predict").headers["Allow"]


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        (b"{", 400, "bad-request"),
        (b"[]", 400, "bad-request"),
        (b'{"url": 5}', 400, "bad-request"),
        (b"[" * 5000 + b"]" * 5000, 400, "bad-request"),
        (b'{"url": "' + b"a" * 20_000 + b'"}', 413, "body-too-large"),
        (b'{"url": "ftp://example.com/a.png"}', 400, "bad-url"),
        (b'{"url": "http://10.0.0.1/a.png"}', 400, "url-not-allowed"),
        (b'{"url": "http://169.254.169.254/latest/meta-data/"}', 400, "url-not-allowed"),
        (b'{"url": "http://[::1]:8080/a.png"}', 400, "url-not-allowed"),
    ],
)
def test_json_requests(client, body, status, slug):
    assert_problem(post_raw(client, body, "application/json"), status, slug)


def test_fetch_can_be_disabled(make_client):
    client = make_client(fetch=False)
    response = client.post("/v1/predict", json={"url": "http://example.com/a.png"})
    assert_problem(response, 400, "fetch-disabled")
    assert (
        "application/json"
        not in (
            client.get("/openapi.json").get_json()["paths"]["/v1/predict"]["post"]["requestBody"][
                "content"
            ]
        )
    )


def test_api_keys(make_client):
    client = make_client(api_keys=("key-1", "key-2"))
    response = post_raw(client, samples.png())
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(post_raw(client, samples.png(), headers={"X-API-Key": "nope"}), 401)
    assert_problem(client.get("/v1/model"), 401)
    assert_problem(client.get("/metrics"), 401)
    ok = {"Authorization": "Bearer key-2"}
    assert post_raw(client, samples.png(), headers=ok).status_code == 200
    assert post_raw(client, samples.png(), headers={"X-API-Key": "key-1"}).status_code == 200
    assert client.get("/metrics", headers=ok).status_code == 200
    assert client.get("/healthz").status_code == 200
    doc = client.get("/openapi.json").get_json()
    assert doc["paths"]["/v1/predict"]["post"]["security"]


FIREFOX = "moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc"


def test_cors_only_for_configured_extensions_and_origins(make_client):
    """Issue 19, item 7: not any chrome-extension:// or moz-extension:// origin."""
    client = make_client(
        api_keys=("k",),
        cors_origins=("https://app.example",),
        cors_extension_ids=(EXTENSION.split("//")[1], FIREFOX.split("//")[1]),
    )
    preflight = client.options(
        "/v1/predict",
        headers={
            "Origin": EXTENSION,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204  # no key needed for a preflight
    assert preflight.headers["Access-Control-Allow-Origin"] == EXTENSION
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    response = post_raw(client, samples.png(), headers={"Origin": FIREFOX, "X-API-Key": "k"})
    assert response.headers["Access-Control-Allow-Origin"] == FIREFOX
    assert response.headers["Vary"] == "Origin"
    configured = client.get("/healthz", headers={"Origin": "https://app.example"})
    assert configured.headers["Access-Control-Allow-Origin"] == "https://app.example"
    for other in ("chrome-extension://someoneelsesextensionidabcdefghij", "https://evil.example"):
        preflight = client.options(
            "/v1/predict", headers={"Origin": other, "Access-Control-Request-Method": "POST"}
        )
        assert "Access-Control-Allow-Origin" not in preflight.headers
        response = post_raw(client, samples.png(), headers={"Origin": other, "X-API-Key": "k"})
        assert "Access-Control-Allow-Origin" not in response.headers


def test_web_pages_cannot_make_the_server_work(client):
    """Issue 19, items 3 and 7: a multipart POST needs no preflight, so the Origin decides."""
    for origin in ("https://evil.example", "null", "http://localhost.evil.example"):
        refused = post_files(client, [samples.png()], headers={"Origin": origin})
        assert_problem(refused, 403, "origin-not-allowed")
    same_origin = post_raw(client, samples.png(), headers={"Origin": "http://localhost"})
    assert same_origin.status_code == 200
    extension = post_raw(client, samples.png(), headers={"Origin": EXTENSION})
    assert extension.status_code == 200  # host permission: no CORS, and not a web page
    assert "Access-Control-Allow-Origin" not in extension.headers


def test_host_names_on_loopback(make_client):
    """Issue 19, item 7: a DNS-rebinding page sends its own name as Host."""
    local = make_client()
    for host in ("localhost", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST"):
        assert local.get("/healthz", headers={"Host": host}).status_code == 200, host
    assert_problem(local.get("/healthz", headers={"Host": "evil.example"}), 403, "host-not-allowed")
    named = make_client(allowed_hosts=("ai.lan",))
    assert named.get("/healthz", headers={"Host": "ai.lan:8080"}).status_code == 200
    public = make_client(host="0.0.0.0")
    assert public.get("/healthz", headers={"Host": "anything.example"}).status_code == 200
    listed = make_client(host="0.0.0.0", allowed_hosts=("ai.example",))
    assert listed.get("/healthz", headers={"Host": "ai.example"}).status_code == 200
    assert listed.get("/healthz", headers={"Host": "other.example"}).status_code == 403


def test_rate_limit_per_client(make_client):
    client = make_client(rate_limit=60, rate_burst=2, api_keys=("a", "b"))
    a, b = {"X-API-Key": "a"}, {"X-API-Key": "b"}
    assert post_raw(client, samples.png(), headers=a).status_code == 200
    assert post_raw(client, samples.png(), headers=a).status_code == 200
    limited = post_raw(client, samples.png(), headers=a)
    assert_problem(limited, 429, "rate-limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert post_raw(client, samples.png(), headers=b).status_code == 200
    assert client.get("/healthz").status_code == 200  # only /v1/ is limited


def _in_thread(fn):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("r", fn()))
    thread.start()
    return thread, result


def test_overload_answers_503_with_retry_after(make_client, tiny_model):
    gate = threading.Event()
    model = GatedModel(tiny_model, gate)
    client = make_client(model, max_queue=1, max_files=1)
    server = client.application.extensions["aiorhuman"]
    first, r1 = _in_thread(lambda: post_raw(client, samples.png(1)))
    deadline = time.monotonic() + 5
    while server.batcher.depth and time.monotonic() < deadline:  # the model took it
        time.sleep(0.01)
    time.sleep(0.05)
    second, r2 = _in_thread(lambda: post_raw(client, samples.png(2)))
    while server.batcher.depth < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    third = post_raw(client, samples.png(3))
    gate.set()
    first.join(5)
    second.join(5)
    assert_problem(third, 503, "overloaded")
    assert third.headers["Retry-After"] == "1"
    assert r1["r"].status_code == 200 and r2["r"].status_code == 200


def test_slow_model_answers_503_not_a_hang(make_client, tiny_model):
    gate = threading.Event()
    client = make_client(GatedModel(tiny_model, gate), request_timeout=0.2)
    response = post_raw(client, samples.png())
    gate.set()
    assert_problem(response, 503, "timeout")
    assert "Retry-After" in response.headers


def test_a_crashing_model_gives_500_without_details(make_client, tiny_model, caplog):
    class Broken(GatedModel):
        def predict(self, images):
            raise RuntimeError("secret internals")

    client = make_client(Broken(tiny_model, threading.Event()))
    response = post_raw(client, samples.png())
    body = assert_problem(response, 500, "internal")
    assert "secret" not in json.dumps(body)
    assert client.get("/healthz").status_code == 200


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.sampled_from(
            [
                samples.png(),
                samples.truncated_jpeg(),
                samples.SVG,
                b"GIF89a",
                b"\xff\xd8\xff",
                b"RIFF\x00\x00\x00\x00WEBPVP8 ",
                b"BM" + b"\x00" * 40,
                b"\x89PNG\r\n\x1a\n",
            ]
        ),
    ),
    content_type=st.sampled_from(
        [
            "image/png",
            "image/jpeg",
            "application/octet-stream",
            "application/json",
            "multipart/form-data",
            "text/plain",
            "image/svg+xml",
            "",
            "multipart/form-data; boundary=x",
        ]
    ),
)
def test_fuzz_never_5xx(client, body, content_type):
    response = post_raw(client, body, content_type)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert_problem(response, response.status_code)
