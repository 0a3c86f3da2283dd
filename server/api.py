"""The HTTP API, version 1 (described by ``GET /openapi.json``)."""

from __future__ import annotations

import time

from flask import Blueprint, Response, g, json, jsonify, request
from werkzeug.wsgi import get_input_stream

from aiorhuman import intake
from aiorhuman.provenance import final_verdict, read_provenance
from aiorhuman.server.feedback import LABELS, FeedbackFull, Report
from aiorhuman.server.fetch import fetch
from aiorhuman.server.metrics import CONTENT_TYPE
from aiorhuman.server.problems import Problem
from aiorhuman.server.scoring import Timings
from aiorhuman.server.state import current

# A JSON body holds one URL; anything bigger than this is not a request we understand.
MAX_JSON_BYTES = 16 * 1024
# Feedback's text fields: the original verdict (JSON) and the page's URL.
MAX_VERDICT_CHARS = 4096
MAX_PAGE_URL_CHARS = 2048
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
    with server.budget.working(), server.batcher.expecting():
        data, single, fetch_ms = _read_images()
        g.images = len(data)
        infos = server.scorer.inspect(data)
        server.budget.charge(g.client, sum(info.pixels for info in infos))
        probabilities = server.scorer.score(data, infos, timings)
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
        return [_raw_body(server.settings.max_body_bytes)], True, None
    raise Problem(
        "unsupported-media-type",
        f"Unsupported Content-Type {mimetype!r}: send image bytes (image/*), "
        "multipart/form-data with 'image' fields, or application/json {\"url\": ...}.",
    )


def _raw_body(limit: int) -> bytes:
    """The body, counted while read, so that a chunked body (no Content-Length) over the
    limit is refused (413) like a declared one."""
    data = get_input_stream(request.environ, max_content_length=None).read(limit + 1)
    if len(data) > limit:
        raise Problem("body-too-large", f"The body is larger than {limit} bytes.", limit=limit)
    return data


@api.post("/v1/feedback")
def feedback() -> Response:
    """Store an image with the user's label (and what the model said) for retraining."""
    server = current()
    if server.feedback is None:
        raise Problem("not-found", "Feedback is not enabled on this server (--feedback-dir).")
    with server.budget.working():
        report = _read_report()
        try:
            name, stored = server.feedback.add(report)
        except FeedbackFull:
            raise Problem(
                "feedback-full",
                f"The feedback folder holds its most images ({server.feedback.max_images}).",
                limit=server.feedback.max_images,
            ) from None
    g.images = 1
    return jsonify(file_name=name, label=report.label, stored=stored, duplicate=not stored)


def _read_report() -> Report:
    """A feedback request's image and fields (multipart: image, label, verdict, page_url)."""
    if request.mimetype != "multipart/form-data":
        raise Problem(
            "unsupported-media-type",
            "Send feedback as multipart/form-data with fields image, label, verdict, page_url.",
        )
    files = request.files.getlist("image")
    if len(files) != 1:
        raise Problem("bad-request", "Send exactly one image, as the multipart field 'image'.")
    label = request.form.get("label", "")
    if label not in LABELS:
        raise Problem("bad-request", "The field 'label' must be 'ai' or 'human'.")
    verdict = _verdict(request.form.get("verdict", ""))
    page_url = request.form.get("page_url") or None
    if page_url and len(page_url) > MAX_PAGE_URL_CHARS:
        raise Problem("bad-request", f"'page_url' is longer than {MAX_PAGE_URL_CHARS} characters.")
    original = files[0].read()
    server = current()
    try:
        info = intake.inspect(original, server.scorer.limits)
        server.budget.charge(g.client, info.pixels)
        model_bytes = intake.to_model_bytes(original, info)
    except intake.ImageRefused as refusal:
        raise Problem.refused(refusal) from None
    model_format = "PNG" if info.needs_transcode else info.format
    return Report(original, model_bytes, model_format, label, page_url=page_url, **verdict)


def _verdict(text: str) -> dict:
    """The optional original result, a JSON object: probability_ai, verdict, model."""
    if not text:
        return {}
    if len(text) > MAX_VERDICT_CHARS:
        raise Problem("bad-request", f"'verdict' is longer than {MAX_VERDICT_CHARS} characters.")
    try:
        given = json.loads(text)
    except (ValueError, RecursionError):
        given = None
    if not isinstance(given, dict):
        raise Problem("bad-request", "'verdict' must be a JSON object (the original result).")
    probability = given.get("probability_ai")
    if probability is not None and not (
        isinstance(probability, int | float) and 0 <= probability <= 1
    ):
        raise Problem("bad-request", "'verdict.probability_ai' must be a number from 0 to 1.")
    verdict = given.get("verdict")
    if verdict is not None and verdict not in ("ai", "human", "unsure"):
        raise Problem("bad-request", "'verdict.verdict' must be 'ai', 'human' or 'unsure'.")
    model = given.get("model")
    if isinstance(model, dict):
        model = " ".join(str(model.get(key, "")) for key in ("name", "version")).strip()
    return {
        "probability_ai": probability,
        "verdict": verdict,
        "model": str(model)[:200] if model is not None else None,
    }


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
