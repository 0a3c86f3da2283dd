"""The Flask application: request checks (CORS, keys, rate limits), logging, error handling."""

from __future__ import annotations

import math
import re
import time
import uuid

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix

from aiorhuman.server.api import api
from aiorhuman.server.auth import key_id, presented_key
from aiorhuman.server.logs import ACCESS, ERRORS
from aiorhuman.server.model import Model
from aiorhuman.server.problems import CATALOGUE, Problem
from aiorhuman.server.settings import Settings
from aiorhuman.server.state import build_server, current

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HTTP_SLUGS = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    413: "body-too-large",
    415: "unsupported-media-type",
}
_METHODS = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"}


def create_app(settings: Settings, model: Model) -> Flask:
    """The WSGI application over a loaded model."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["MAX_FORM_PARTS"] = max_form_parts(settings)
    app.json.sort_keys = False
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)
    app.extensions["aiorhuman"] = build_server(settings, model)
    app.register_blueprint(api)
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_leave)
    app.register_error_handler(Problem, _problem)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app


def max_form_parts(settings: Settings) -> int:
    """Most parts of a multipart body: every image field plus a few others (feedback)."""
    return settings.max_files + 8


def _start() -> Response | None:
    """Count the request; check its Host; answer CORS preflights; refuse other web pages;
    then check the rate limit and the key."""
    server = current()
    with server.lock:
        server.in_flight += 1
    g.entered = True
    g.start = time.monotonic()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    if not server.hosts.accepts(request.host):
        raise Problem(
            "host-not-allowed",
            "This server answers only to the host names it was configured with (--allowed-hosts).",
        )
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        return Response(status=204, headers=server.cors.headers(origin, preflight=True))
    if server.cors.refused(origin, request.host):
        raise Problem(
            "origin-not-allowed",
            f"Requests from the web page {origin} are refused (--cors-origins lists those "
            "allowed).",
        )
    key = presented_key(request.headers)
    valid = server.keys.valid(key) if server.keys.enabled else False
    g.client = f"key:{key_id(key)}" if valid and key else f"ip:{request.remote_addr}"
    if server.limiter is not None and request.path.startswith("/v1/"):
        wait = server.limiter.acquire(g.client)
        if wait > 0:
            raise Problem(
                "rate-limited",
                f"Rate limit of {server.settings.rate_limit:g} requests per minute reached.",
                headers={"Retry-After": str(math.ceil(wait))},
            )
    if server.protected(request.path) and not valid:
        raise Problem(
            "unauthorized",
            "This server needs an API key: send 'Authorization: Bearer <key>' or 'X-API-Key'.",
            headers={"WWW-Authenticate": 'Bearer realm="aiorhuman"'},
        )
    return None


def _finish(response: Response) -> Response:
    """Add CORS and tracing headers; record metrics and the access log line."""
    server = current()
    response.headers.update(server.cors.headers(request.headers.get("Origin")))
    response.headers["Vary"] = "Origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if request.path.startswith("/v1/predict"):
        response.headers["Cache-Control"] = "no-store"
    seconds = time.monotonic() - g.get("start", time.monotonic())
    endpoint = request.url_rule.rule if request.url_rule else "(unmatched)"
    method = request.method if request.method in _METHODS else "OTHER"
    server.metrics.requests.inc(endpoint, method, str(response.status_code))
    server.metrics.latency.observe(seconds, endpoint)
    ACCESS.info(
        "request",
        extra={
            "request_id": g.get("request_id"),
            "method": method,
            "path": request.path[:200],
            "status": response.status_code,
            "duration_ms": round(1000 * seconds, 2),
            "bytes_in": request.content_length,
            "bytes_out": response.calculate_content_length(),
            "client": g.get("client", f"ip:{request.remote_addr}"),
            "images": g.get("images"),
            "problem": g.get("problem"),
        },
    )
    return response


def _leave(_exc: BaseException | None) -> None:
    if g.pop("entered", False):
        server = current()
        with server.lock:
            server.in_flight -= 1


def _problem(problem: Problem) -> Response:
    g.problem = problem.slug
    current().metrics.errors.inc(problem.slug)
    return problem.response()


def _http_error(error: HTTPException) -> Response:
    """Werkzeug's own errors (404, 405, 413, bad multipart...) as problem details."""
    slug = _HTTP_SLUGS.get(error.code or 500)
    if slug is not None:
        detail = error.description or CATALOGUE[slug][1]
        problem = Problem(slug, detail)
        if error.code == 413:
            problem = _too_large()
        response = _problem(problem)
    else:
        body = {
            "type": "about:blank",
            "title": error.name,
            "status": error.code,
            "detail": error.description,
        }
        response = Response(json.dumps(body), error.code, mimetype="application/problem+json")
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _too_large() -> Problem:
    """Werkzeug's 413 is for a body over the limit, or for a multipart body with too many
    parts or too big a text field: say which."""
    settings = current().settings
    length = request.content_length
    exhausted = getattr(request.stream, "is_exhausted", False)  # a chunked body hit the limit
    too_long = (length or 0) > settings.max_body_bytes or exhausted
    if request.mimetype == "multipart/form-data" and not too_long:
        limit = max_form_parts(settings)
        return Problem(
            "too-many-parts",
            f"The multipart body has more than {limit} parts, or a text field over "
            f"{request.max_form_memory_size} bytes.",
            limit=limit,
        )
    return Problem(
        "body-too-large",
        f"The body is larger than {settings.max_body_bytes} bytes.",
        limit=settings.max_body_bytes,
    )


def _unexpected(error: Exception) -> Response:
    """Anything else: logged with its traceback here, a plain 500 problem for the client."""
    ERRORS.exception("unexpected error", extra={"request_id": g.get("request_id")})
    return _problem(Problem("internal", "The server failed to answer; this was logged."))
