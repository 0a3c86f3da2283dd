"""The HTTP API, version 1 (described by ``GET /openapi.json``)."""

from __future__ import annotations

import time

from flask import Blueprint, Response, g, json, jsonify, request

from aiorhuman.provenance import final_verdict, read_provenance
from aiorhuman.server.fetch import fetch
from aiorhuman.server.metrics import CONTENT_TYPE
from aiorhuman.server.problems import Problem
from aiorhuman.server.scoring import Timings
from aiorhuman.server.state import current

# A JSON body holds one URL; anything bigger than this is not a request we understand.
MAX_JSON_BYTES = 16 * 1024
RAW_TYPES = ("", "application/octet-stream")

api = Blueprint("api", __name__)


@api.get("/healthz")
def healthz() -> Response:
    server = current()
    return jsonify(status="ok", model=server.model_info, queue_depth=server.batcher.depth)


@api.get("/v1/model")
def model_card() -> Response:
    return jsonify(current().model.card)


@api.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(current().openapi)


@api.get("/metrics")
def metrics() -> Response:
    return Response(current().metrics.render(), content_type=CONTENT_TYPE)


@api.post("/v1/predict")
def predict() -> Response:
    """Score one image (raw bytes or a URL) or several (multipart ``image`` fields)."""
    server = current()
    timings = Timings()
    with server.batcher.expecting():
        data, single, fetch_ms = _read_images()
        g.images = len(data)
        probabilities = server.scorer.score(data, timings)
    # Provenance is read from the original bytes, in this thread, after the model's work.
    start = time.monotonic()
    results = [_result(p, read_provenance(d)) for p, d in zip(probabilities, data, strict=True)]
    provenance_ms = 1000 * (time.monotonic() - start)
    spent = {
        "total_ms": 1000 * (time.monotonic() - g.start),
        "fetch_ms": fetch_ms,
        "prepare_ms": timings.prepare_ms,
        "queue_ms": timings.queue_ms,
        "model_ms": timings.model_ms,
        "provenance_ms": provenance_ms,
    }
    body = results[0] if single else {"results": results}
    body |= {
        "model": server.model_info,
        "timings": {k: round(v, 2) for k, v in spent.items() if v is not None},
    }
    return jsonify(body)


def _result(probability: float, provenance: dict) -> dict:
    """One image's answer: the model's probability, the final verdict and why, provenance."""
    model_verdict = current().model.verdict(probability)
    verdict, reason = final_verdict(model_verdict, provenance)
    return {
        "probability_ai": probability,
        "verdict": verdict,
        "model_verdict": model_verdict,
        "reason": reason,
        "provenance": provenance,
    }


def _read_images() -> tuple[list[bytes], bool, float | None]:
    """The request's images, whether it was a single-image request, and the fetch time."""
    server = current()
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        files = request.files.getlist("image")
        if not files:
            raise Problem("bad-request", "Send the images as multipart fields named 'image'.")
        if len(files) > server.settings.max_files:
            raise Problem(
                "too-many-files",
                f"{len(files)} images in one request; at most {server.settings.max_files}.",
                limit=server.settings.max_files,
            )
        return [file.read() for file in files], False, None
    if mimetype == "application/json":
        url = _json_url()
        if not server.settings.fetch:
            raise Problem("fetch-disabled", "This server does not fetch URLs; send the bytes.")
        start = time.monotonic()
        data = fetch(url, server.fetch_policy)
        return [data], True, 1000 * (time.monotonic() - start)
    if mimetype in RAW_TYPES or mimetype.startswith("image/"):
        return [request.get_data(cache=False)], True, None
    raise Problem(
        "unsupported-media-type",
        f"Unsupported Content-Type {mimetype!r}: send image bytes (image/*), "
        "multipart/form-data with 'image' fields, or application/json {\"url\": ...}.",
    )


def _json_url() -> str:
    """The ``url`` of a ``{"url": ...}`` body."""
    raw = request.stream.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise Problem(
            "body-too-large",
            f"A JSON body is at most {MAX_JSON_BYTES} bytes.",
            limit=MAX_JSON_BYTES,
        )
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        raise Problem("bad-request", 'Expected a JSON object {"url": "https://..."}.')
    return body["url"]
