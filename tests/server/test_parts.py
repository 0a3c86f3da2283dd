"""The small parts: settings, rate limiter, API keys, CORS, metrics, logs, problems."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from aiorhuman.server import settings as settings_module
from aiorhuman.server.auth import KeyCheck, presented_key
from aiorhuman.server.cors import Cors
from aiorhuman.server.logs import JsonFormatter
from aiorhuman.server.metrics import Metrics
from aiorhuman.server.problems import CATALOGUE, MEDIA_TYPE, Problem
from aiorhuman.server.ratelimit import RateLimiter
from aiorhuman.server.settings import Settings, env_name, flag

DOCS = Path(__file__).parents[2] / "docs" / "server.md"


def test_flags_override_environment_override_defaults():
    env = {
        "AIORHUMAN_PORT": "9000",
        "AIORHUMAN_MAX_BATCH": "4",
        "AIORHUMAN_FETCH": "off",
        "AIORHUMAN_API_KEYS": "a, b",
        "AIORHUMAN_CORS_ORIGINS": "https://x.test",
    }
    settings = settings_module.load(["--port", "9100", "--api-keys", "c"], env)
    assert settings.port == 9100 and settings.max_batch == 4 and settings.fetch is False
    assert settings.api_keys == ("c",) and settings.cors_origins == ("https://x.test",)
    assert settings_module.load([], {}).model == Path("models/default")
    assert settings_module.load(["--no-allow-unprotected-public", "--dev"], {}).dev is True


@pytest.mark.parametrize(
    "argv",
    [["--max-batch", "0"], ["--fetch-allow", "not-a-network"], ["--max-files", "100"]],
)
def test_bad_settings_are_refused(argv):
    with pytest.raises(ValueError):
        settings_module.load(argv, {})


def test_api_keys_file(tmp_path):
    path = tmp_path / "keys"
    path.write_text("# comment\nk1\n\n  k2  \n")
    assert Settings(api_keys=("k0",), api_keys_file=path).all_api_keys() == ("k0", "k1", "k2")


def test_every_setting_is_documented():
    text = DOCS.read_text()
    for field in settings_module.fields(Settings):
        assert flag(field.name) in text and env_name(field.name) in text, field.name


def test_rate_limiter_refills_and_forgets():
    now = [0.0]
    limiter = RateLimiter(rate=1.0, burst=2, max_clients=2, clock=lambda: now[0])
    assert limiter.acquire("a") == 0 and limiter.acquire("a") == 0
    assert limiter.acquire("a") == pytest.approx(1.0)
    now[0] = 1.0
    assert limiter.acquire("a") == 0
    assert limiter.acquire("b") == 0 and limiter.acquire("c") == 0
    assert len(limiter._buckets) == 2


def test_api_keys():
    keys = KeyCheck(["secret-1", "secret-2"])
    assert keys.enabled and keys.valid("secret-2")
    assert not keys.valid("secret-3") and not keys.valid(None) and not keys.valid("")
    assert not KeyCheck([]).enabled
    assert presented_key({"Authorization": "Bearer abc"}) == "abc"
    assert presented_key({"Authorization": "bearer  abc "}) == "abc"
    assert presented_key({"X-API-Key": "xyz"}) == "xyz"
    assert presented_key({"Authorization": "Basic abc"}) is None


def test_cors_origins():
    ours = ("abcdefghijklmnopabcdefghijklmnop", "2c127fa4-62c7-7e4f-90e5-472b45eecfdc")
    cors = Cors(["https://app.example"], extension_ids=ours)
    assert cors.allowed("chrome-extension://abcdefghijklmnopabcdefghijklmnop")
    assert cors.allowed("moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc")
    assert cors.allowed("https://app.example")
    assert not cors.allowed("https://evil.example")
    assert not cors.allowed("chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba")
    assert not cors.allowed("chrome-extension://abc/evil")
    assert not cors.allowed(None)
    assert not Cors([]).allowed("chrome-extension://abcdefghijklmnopabcdefghijklmnop")
    assert Cors(["*"]).allowed("https://anything.example")
    assert cors.refused("https://evil.example", "127.0.0.1:8080")
    assert cors.refused("null", "127.0.0.1:8080")
    assert not cors.refused("http://127.0.0.1:8080", "127.0.0.1:8080")  # same origin
    assert not cors.refused("chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba", "x")
    headers = cors.headers("https://app.example", preflight=True)
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "X-API-Key" in headers["Access-Control-Allow-Headers"]
    assert cors.headers("https://evil.example") == {}


def test_metrics_text_format():
    metrics = Metrics(lambda: 3, lambda: 1)
    metrics.requests.inc("/v1/predict", "POST", "200")
    metrics.latency.observe(0.02, "/v1/predict")
    metrics.record_batch(4, 0.1)
    text = metrics.render()
    assert 'aiorhuman_requests_total{endpoint="/v1/predict",method="POST",status="200"} 1' in text
    assert 'aiorhuman_request_duration_seconds_bucket{endpoint="/v1/predict",le="0.01"} 0' in text
    assert 'aiorhuman_request_duration_seconds_bucket{endpoint="/v1/predict",le="0.025"} 1' in text
    assert 'aiorhuman_batch_size_bucket{le="4"} 1' in text
    assert 'aiorhuman_batch_size_bucket{le="+Inf"} 1' in text
    assert "aiorhuman_images_scored_total 4" in text
    assert "aiorhuman_queue_depth 3" in text
    assert "# TYPE aiorhuman_batch_size histogram" in text


def test_json_log_lines():
    record = logging.makeLogRecord(
        {"msg": "request", "levelname": "INFO", "name": "x", "status": 200, "path": "/v1/predict"}
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "request" and entry["status"] == 200 and entry["level"] == "info"


def test_problem_details():
    problem = Problem("too-many-pixels", "Big.", headers={"X-A": "1"}, limit=5)
    response = problem.response()
    assert response.status_code == 422 and response.mimetype == MEDIA_TYPE
    body = json.loads(response.get_data())
    assert body == {
        "type": "tag:aiorhuman,2026:problem:too-many-pixels",
        "title": "Too many pixels",
        "status": 422,
        "detail": "Big.",
        "limit": 5,
    }
    assert {status for status, _ in CATALOGUE.values()} >= {400, 401, 413, 415, 422, 429, 503}
