"""The real server (gunicorn, ``python -m aiorhuman.server``) over the tiny bundle, on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from tests.images import encode, smooth_image
from tests.provenance.make_fixtures import fixtures, make_signer
from tests.server import samples
from tests.server.httpfixture import image_server
from tests.server.processes import ROOT, running_servers, serve_command

pytestmark = pytest.mark.slow
PROBLEM = "application/problem+json"
EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
KEYS = {"Authorization": "Bearer key-one"}


@pytest.fixture(scope="module")
def servers(tiny_bundle, tmp_path_factory):
    """Three servers over the tiny bundle, started together.

    open: defaults, with small limits the tests can reach, and no URL fetching.
    locked: API keys, a rate limit, a configured CORS origin, fetching from 127.0.0.2 only.
    trusting: the provenance fixtures' test CA in its --trust-dir.
    """
    trust = tmp_path_factory.mktemp("trust")
    (trust / "test-ca.pem").write_bytes(make_signer()[1])
    configs = {
        "open": ("--no-fetch", "--max-body-bytes", "3000000", "--max-frames", "20"),
        "trusting": ("--no-fetch", "--trust-dir", str(trust)),
        "locked": (
            "--api-keys",
            "key-one",
            "--api-keys",
            "key-two",
            "--rate-limit",
            "600",
            "--rate-burst",
            "30",
            "--cors-origins",
            "https://app.example",
            "--cors-extension-ids",
            EXTENSION.split("//")[1],
            "--fetch-allow",
            "127.0.0.2/32",
            "--fetch-timeout",
            "8",
        ),
    }
    with running_servers(tiny_bundle, tmp_path_factory.mktemp("logs"), **configs) as running:
        yield running


@pytest.fixture(scope="module")
def open_server(servers):
    return servers["open"]


@pytest.fixture(scope="module")
def locked_server(servers):
    return servers["locked"]


@pytest.fixture(scope="module")
def model(tiny_bundle):
    """The same bundle loaded in this process: the answers the server must give."""
    from aiorhuman.bundle import load_bundle

    return load_bundle(tiny_bundle)


@pytest.fixture(scope="module")
def image_host():
    with image_server("127.0.0.2") as base:
        yield base


def predict(url: str, data: bytes, content_type: str = "image/png", **kwargs):
    headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}
    return requests.post(f"{url}/v1/predict", data=data, headers=headers, timeout=30, **kwargs)


def predict_url(url: str, target: str, headers=KEYS):
    return requests.post(f"{url}/v1/predict", json={"url": target}, headers=headers, timeout=30)


def problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["type"].endswith(":" + slug)
    assert "Traceback" not in response.text
    return body


def scored(model, data: bytes) -> float:
    return float(model.predict_bytes([data])[0])


# --- open server: endpoints, answers, every error path ------------------------------------


def test_endpoints(open_server, tiny_bundle):
    url = open_server.url
    health = requests.get(f"{url}/healthz", timeout=10).json()
    assert health["status"] == "ok"
    card = json.loads((tiny_bundle / "card.json").read_text())
    assert requests.get(f"{url}/v1/model", timeout=10).json() == card
    doc = requests.get(f"{url}/openapi.json", timeout=10).json()
    assert doc["openapi"] == "3.1.0" and "/v1/predict" in doc["paths"]
    predict(url, samples.png())
    metrics = requests.get(f"{url}/metrics", timeout=10)
    assert metrics.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'aiorhuman_requests_total{endpoint="/v1/predict",method="POST",status="200"}' in (
        metrics.text
    )
    assert "aiorhuman_request_duration_seconds_bucket" in metrics.text


def test_answers_are_the_models(open_server, model):
    for data in (samples.png(), samples.jpeg(), samples.cmyk_jpeg()):
        body = predict(open_server.url, data).json()
        assert body["probability_ai"] == pytest.approx(scored(model, data), abs=1e-6)
        assert body["verdict"] == model.verdict(body["probability_ai"])
        assert body["model"] == {"name": model.card["name"], "version": model.card["version"]}
        assert body["timings"]["total_ms"] > 0


def test_transcoded_formats_match_the_same_pixels(open_server, model):
    image = smooth_image(3, (48, 40))
    webp = predict(open_server.url, encode(image, "WEBP", lossless=True)).json()
    assert webp["probability_ai"] == pytest.approx(scored(model, encode(image, "PNG")), abs=1e-6)
    gif = samples.animated_gif()
    animated = predict(open_server.url, gif).json()
    first = scored(model, samples.first_frame_png(gif))
    assert animated["probability_ai"] == pytest.approx(first, abs=1e-6)


def test_multipart_many(open_server, model):
    files = [samples.png(i) for i in range(4)]
    parts = [("image", (f"{i}.png", f, "image/png")) for i, f in enumerate(files)]
    body = requests.post(f"{open_server.url}/v1/predict", files=parts, timeout=30).json()
    expected = [scored(model, f) for f in files]
    assert [r["probability_ai"] for r in body["results"]] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("data", "status", "slug"),
    [
        *samples.bad_images(),
        pytest.param(samples.animated_gif(25, (8, 8)), 422, "too-many-frames", id="frames"),
        pytest.param(samples.jpeg_many_scans(), 422, "too-costly", id="scans"),
        pytest.param(b"\x00" * 3_100_000, 413, "body-too-large", id="too-large"),
    ],
)
def test_bad_inputs(open_server, data, status, slug):
    problem(predict(open_server.url, data), status, slug)


def test_bad_requests(open_server):
    url = open_server.url
    problem(predict(url, samples.png(), "text/plain"), 415, "unsupported-media-type")
    problem(predict(url, samples.SVG, "image/svg+xml"), 415, "unsupported-image-format")
    problem(predict(url, b'{"url": "http://x"}', "application/json"), 400, "fetch-disabled")
    problem(requests.get(f"{url}/v1/nothing", timeout=10), 404, "not-found")
    problem(requests.delete(f"{url}/v1/predict", timeout=10), 405, "method-not-allowed")


def test_parallel_clients_get_the_single_answers(open_server):
    url = open_server.url
    files = [samples.png(i, (40 + i, 36)) for i in range(8)]
    single = [predict(url, f).json()["probability_ai"] for f in files]
    jobs = [i % len(files) for i in range(64)]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda i: predict(url, files[i]).json()["probability_ai"], jobs))
    assert answers == pytest.approx([single[i] for i in jobs], abs=1e-5)
    metrics = requests.get(f"{url}/metrics", timeout=10).text
    values = dict(x.rsplit(" ", 1) for x in metrics.splitlines() if not x.startswith("#"))
    singles = int(values['aiorhuman_batch_size_bucket{le="1"}'])
    assert int(values["aiorhuman_batch_size_count"]) > singles  # some calls took > 1 image


def test_the_worker_survived_and_logged_json(open_server):
    assert requests.get(f"{open_server.url}/healthz", timeout=10).ok
    lines = [json.loads(x) for x in open_server.log.read_text().splitlines() if x.startswith("{")]
    access = [x for x in lines if x["logger"] == "aiorhuman.access"]
    assert len(access) > 20
    assert {"method", "path", "status", "duration_ms", "request_id"} <= set(access[0])
    assert "plain text, not an image" not in open_server.log.read_text()
    assert not [x for x in lines if x["level"] == "error"]
    assert "Booting worker" in open_server.log.read_text()
    assert open_server.log.read_text().count("Booting worker") == 1  # never restarted


# --- schema-based fuzzing --------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_schema(open_server):
    return schemathesis.openapi.from_url(f"{open_server.url}/openapi.json")


fuzzed = schemathesis.pytest.from_fixture("api_schema")


@fuzzed.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzz_the_api_from_its_openapi_document(case):
    # Every check but "schema-valid data is accepted": random bytes fit the schema of an image
    # body yet are rightly refused (400) as not an image.
    case.call_and_validate(
        timeout=30, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )


# --- locked server: keys, CORS, rate limit, SSRF, shutdown ------------------------------------


def test_api_keys(locked_server):
    url = locked_server.url
    missing = predict(url, samples.png())
    problem(missing, 401, "unauthorized")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    problem(predict(url, samples.png(), headers={"X-API-Key": "key-three"}), 401, "unauthorized")
    assert predict(url, samples.png(), headers=KEYS).status_code == 200
    assert predict(url, samples.png(), headers={"X-API-Key": "key-one"}).status_code == 200
    assert requests.get(f"{url}/healthz", timeout=10).ok
    problem(requests.get(f"{url}/metrics", timeout=10), 401, "unauthorized")


def test_cors(locked_server):
    url = locked_server.url
    preflight = requests.options(
        f"{url}/v1/predict",
        timeout=10,
        headers={
            "Origin": EXTENSION,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == EXTENSION
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    response = predict(url, samples.png(), headers={**KEYS, "Origin": EXTENSION})
    assert response.headers["Access-Control-Allow-Origin"] == EXTENSION
    app = requests.get(f"{url}/healthz", headers={"Origin": "https://app.example"}, timeout=10)
    assert app.headers["Access-Control-Allow-Origin"] == "https://app.example"
    evil = predict(url, samples.png(), headers={**KEYS, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in evil.headers


def test_rate_limit(locked_server):
    statuses = []
    for _ in range(60):
        response = predict(locked_server.url, samples.png(), headers={"X-API-Key": "key-two"})
        statuses.append(response.status_code)
        if response.status_code == 429:
            problem(response, 429, "rate-limited")
            assert int(response.headers["Retry-After"]) >= 1
            break
    assert statuses[-1] == 429 and statuses[0] == 200


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/image.png",
        "http://10.0.0.1/image.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/image.png",
        "http://[::ffff:127.0.0.1]:{port}/image.png",
        "http://localhost:{port}/image.png",
        "{host}/redirect-private",
        "{host}/redirect-metadata",
    ],
)
def test_ssrf_is_refused(locked_server, image_host, target):
    port = locked_server.url.rsplit(":", 1)[1]
    start = time.monotonic()
    response = predict_url(locked_server.url, target.format(port=port, host=image_host))
    problem(response, 400, "url-not-allowed")
    assert time.monotonic() - start < 5


def test_fetches_from_an_allowed_host(locked_server, image_host, model):
    body = predict_url(locked_server.url, f"{image_host}/image.png").json()
    assert body["probability_ai"] == pytest.approx(scored(model, samples.png()), abs=1e-6)
    assert body["timings"]["fetch_ms"] > 0
    assert predict_url(locked_server.url, f"{image_host}/redirect").status_code == 200
    problem(predict_url(locked_server.url, f"{image_host}/svg"), 415, "unsupported-image-format")
    problem(predict_url(locked_server.url, f"{image_host}/big-stream"), 413, "body-too-large")
    problem(predict_url(locked_server.url, "ftp://127.0.0.2/x"), 400, "bad-url")


def test_sigterm_finishes_in_flight_requests(locked_server, image_host):
    """Last test of the module: it stops the locked server."""
    result = {}

    def slow_request():
        result["response"] = predict_url(locked_server.url, f"{image_host}/slow")

    thread = threading.Thread(target=slow_request)
    thread.start()
    time.sleep(1.0)  # the request is in flight: the image host answers after 3 s
    locked_server.process.send_signal(signal.SIGTERM)
    thread.join(20)
    assert result["response"].status_code == 200
    assert locked_server.process.wait(20) == 0


# --- start-up -----------------------------------------------------------------------------------


def test_a_bad_bundle_is_refused_clearly(tiny_bundle, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle, broken)
    card = json.loads((broken / "card.json").read_text())
    victim = next(iter(card["files"]))
    with (broken / victim).open("ab") as f:
        f.write(b"tampered")
    for model_dir in (broken, tmp_path / "missing"):
        done = subprocess.run(
            serve_command("--model", str(model_dir), "--port", "1"),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode != 0
        assert "cannot serve this model bundle" in done.stderr
        assert "Traceback" not in done.stderr
    done = subprocess.run(
        serve_command("--max-batch", "0"), cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "bad setting" in done.stderr


def test_trust_dir_decides_which_c2pa_signers_count(servers):
    """A test-signed AI manifest decides only on the server whose --trust-dir holds its CA."""
    signed = fixtures()["c2pa_ai.jpg"]
    trusting = predict(servers["trusting"].url, signed, "image/jpeg").json()
    assert trusting["verdict"] == "ai" and trusting["reason"] == "metadata"
    untrusting = predict(servers["open"].url, signed, "image/jpeg").json()
    assert untrusting["reason"] == "model" and untrusting["provenance"]["decision"] is None
