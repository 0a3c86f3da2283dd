"""The OpenAPI 3.1 document of the API, built for the running settings and model."""

from __future__ import annotations

from aiorhuman.server.problems import MEDIA_TYPE as PROBLEM_TYPE
from aiorhuman.server.settings import Settings

IMAGE_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/bmp",
    "image/webp",
    "image/avif",
    "image/heic",
    "image/heif",
    "image/tiff",
    "application/octet-stream",
)
BINARY = {"type": "string", "format": "binary"}
NUMBER_MS = {"type": "number", "minimum": 0}

SCHEMAS = {
    "Model": {
        "type": "object",
        "required": ["name", "version"],
        "properties": {"name": {"type": "string"}, "version": {"type": ["string", "null"]}},
    },
    "Score": {
        "type": "object",
        "required": ["probability_ai", "verdict", "model_verdict", "reason", "provenance"],
        "properties": {
            "probability_ai": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "Probability that the image is AI-generated.",
            },
            "verdict": {
                "type": "string",
                "enum": ["ai", "human", "unsure"],
                "description": "The final verdict: 'ai' when the provenance decides, else "
                "the model's by the card's unsure band.",
            },
            "model_verdict": {
                "type": "string",
                "enum": ["ai", "human", "unsure"],
                "description": "The model's own verdict by the card's unsure band, whatever "
                "the provenance says.",
            },
            "reason": {
                "type": "string",
                "enum": ["model", "metadata"],
                "description": "What decided the verdict.",
            },
            "provenance": {"$ref": "#/components/schemas/Provenance"},
        },
    },
    "Provenance": {
        "type": "object",
        "description": "What the file's own metadata says (docs/provenance.md).",
        "required": ["decision", "reason", "signals", "errors"],
        "properties": {
            "decision": {"enum": ["ai", None]},
            "reason": {"enum": ["metadata", None]},
            "signals": {"type": "array", "items": {"$ref": "#/components/schemas/Signal"}},
            "errors": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Signal": {
        "type": "object",
        "required": ["kind", "source", "indicates", "decisive", "detail"],
        "properties": {
            "kind": {"enum": ["c2pa", "xmp", "png-text", "exif-generator", "camera"]},
            "source": {"type": "string"},
            "indicates": {"enum": ["ai", "camera", "unknown"]},
            "decisive": {"type": "boolean"},
            "detail": {"type": "string", "maxLength": 200},
            "generator": {"type": "string"},
            "c2pa": {
                "type": "object",
                "required": [
                    "valid",
                    "trust",
                    "trusted",
                    "signer",
                    "validation_errors",
                    "claim_generator",
                    "digital_source_types",
                    "in_ingredient",
                ],
                "properties": {
                    "valid": {"type": "boolean"},
                    "trusted": {"type": "boolean"},
                    "trust": {
                        "enum": ["trusted", "untrusted", "invalid"],
                        "description": "trusted: the signer chains to an installed trust list "
                        "(only then can an AI claim decide); untrusted: a valid signature from "
                        "a signer not recognised; invalid: the manifest failed validation.",
                    },
                    "signer": {"type": ["string", "null"]},
                    "validation_errors": {"type": "array", "items": {"type": "string"}},
                    "claim_generator": {"type": ["string", "null"]},
                    "digital_source_types": {"type": "array", "items": {"type": "string"}},
                    "in_ingredient": {"type": "boolean"},
                },
            },
            "camera": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "make, model, lens, exposure, f_number, iso, focal_length, "
                "datetime: those present.",
            },
        },
    },
    "Timings": {
        "type": "object",
        "required": ["total_ms", "prepare_ms", "queue_ms", "model_ms", "provenance_ms"],
        "properties": {
            "total_ms": NUMBER_MS,
            "fetch_ms": {**NUMBER_MS, "description": "Only for URL requests."},
            "prepare_ms": {**NUMBER_MS, "description": "Header checks and transcoding."},
            "queue_ms": {**NUMBER_MS, "description": "Waiting for a batch."},
            "model_ms": {**NUMBER_MS, "description": "The model call (shared by the batch)."},
            "provenance_ms": {**NUMBER_MS, "description": "Reading the files' provenance."},
        },
    },
    "Prediction": {
        "allOf": [{"$ref": "#/components/schemas/Score"}],
        "type": "object",
        "required": ["model", "timings"],
        "properties": {
            "model": {"$ref": "#/components/schemas/Model"},
            "timings": {"$ref": "#/components/schemas/Timings"},
        },
    },
    "BatchPrediction": {
        "type": "object",
        "required": ["results", "model", "timings"],
        "properties": {
            "results": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Score"},
                "description": "One score per 'image' part, in order.",
            },
            "model": {"$ref": "#/components/schemas/Model"},
            "timings": {"$ref": "#/components/schemas/Timings"},
        },
    },
    "UrlRequest": {
        "type": "object",
        "required": ["url"],
        "properties": {"url": {"type": "string", "maxLength": 2048, "format": "uri"}},
    },
    "Health": {
        "type": "object",
        "required": ["status", "model", "queue_depth"],
        "properties": {
            "status": {"const": "ok"},
            "model": {"$ref": "#/components/schemas/Model"},
            "queue_depth": {"type": "integer", "minimum": 0},
        },
    },
    "Card": {
        "type": "object",
        "description": "The bundle's card.json (docs/bundle.md).",
        "required": ["card_version", "name", "input_size", "threshold", "unsure_band", "files"],
        "properties": {
            "card_version": {"type": "integer"},
            "name": {"type": "string"},
            "input_size": {"type": "integer"},
            "threshold": {"type": "number"},
            "unsure_band": {"type": "array", "items": {"type": "number"}},
            "files": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "limit": {"type": "integer", "description": "The limit that was exceeded."},
            "index": {"type": "integer", "description": "Which image of a multipart request."},
        },
    },
}

_PROBLEMS = {
    "400": "Not an image, corrupt or truncated image, bad request or URL that cannot be fetched.",
    "401": "API key required, missing or wrong.",
    "413": "Body (or fetched image) too large.",
    "415": "Unsupported media type or image format (e.g. SVG, PSD, JPEG XL).",
    "422": "Image too costly: too many pixels (decompression bomb), frames or JPEG scans.",
    "429": "Rate limit reached; see Retry-After.",
    "503": "Overloaded or too slow; see Retry-After.",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}}


def _problem(status: str) -> dict:
    response = {
        "description": _PROBLEMS[status],
        "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in ("429", "503"):
        response["headers"] = _RETRY_AFTER
    return response


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _feedback(guarded: list[str], locked: dict) -> dict:
    """POST /v1/feedback: a user's correction, stored for retraining (docs/server.md)."""
    fields = {
        "image": BINARY,
        "label": {"type": "string", "enum": ["ai", "human"], "description": "The right label."},
        "verdict": {
            "type": "string",
            "description": "JSON of the original result: probability_ai, verdict, model.",
        },
        "page_url": {"type": "string", "maxLength": 2048},
    }
    stored = {
        "type": "object",
        "required": ["file_name", "label", "stored", "duplicate"],
        "properties": {
            "file_name": {"type": "string"},
            "label": {"type": "string", "enum": ["ai", "human"]},
            "stored": {"type": "boolean"},
            "duplicate": {"type": "boolean"},
        },
    }
    schema = {"type": "object", "required": ["image", "label"], "properties": fields}
    return {
        "summary": "Report a mistake: store the image with the right label",
        "operationId": "feedback",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}},
        "responses": {
            "200": _json("Stored, or already stored (duplicate).", stored),
            **{s: _problem(s) for s in ["400", *guarded, "413", "415", "422", "503"]},
        },
        **locked,
    }


def document(card: dict, settings: Settings, keys: bool) -> dict:
    """The document for this server: its limits, its model, whether keys are needed."""
    locked = {"security": [{"bearer": []}, {"apiKey": []}]} if keys else {}
    guarded = (["401"] if keys else []) + (["429"] if settings.rate_limit else [])
    body_types = {t: {"schema": BINARY} for t in IMAGE_TYPES}
    body_types["multipart/form-data"] = {
        "schema": {
            "type": "object",
            "required": ["image"],
            "properties": {
                "image": {
                    "type": "array",
                    "items": BINARY,
                    "minItems": 1,
                    "maxItems": settings.max_files,
                },
            },
        },
        "encoding": {"image": {"contentType": "image/*, application/octet-stream"}},
    }
    if settings.fetch:
        body_types["application/json"] = {"schema": _ref("UrlRequest")}
    predict = {
        "summary": "Is this image AI-generated?",
        "description": (
            "Send one image as the raw body, several as multipart 'image' parts, or "
            '{"url": ...} to have the server fetch it. Formats are detected from the bytes: '
            "JPEG, PNG, GIF, BMP, WebP, AVIF, HEIC/HEIF, TIFF (first frame or page). Limits: "
            f"body {settings.max_body_bytes} bytes, {settings.max_pixels} pixels an image, "
            f"{settings.max_request_pixels} a request, {settings.max_frames} frames, "
            f"{settings.max_files} images per request."
        ),
        "operationId": "predict",
        "requestBody": {"required": True, "content": body_types},
        "responses": {
            "200": _json(
                "Scores: one object for a single image, 'results' for multipart.",
                {"anyOf": [_ref("Prediction"), _ref("BatchPrediction")]},
            ),
            **{s: _problem(s) for s in ["400", *guarded, "413", "415", "422", "503"]},
        },
        **locked,
    }

    def get(summary: str, response: dict, protected: bool, op: str) -> dict:
        errors = (["401"] if keys and protected else []) + (
            ["429"] if settings.rate_limit and op == "model" else []
        )
        return {
            "get": {
                "summary": summary,
                "operationId": op,
                "responses": {"200": response, **{s: _problem(s) for s in errors}},
                **(locked if protected else {}),
            }
        }

    paths = {"/v1/predict": {"post": predict}}
    if settings.feedback_dir is not None:
        paths["/v1/feedback"] = {"post": _feedback(guarded, locked)}
    metrics_text = {
        "description": "Prometheus text format.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AI or Human",
            "version": "1",
            "description": (
                f"Tells whether an image was AI-generated, with the model "
                f"{card['name']!r} version {card.get('version')!r}."
            ),
        },
        "paths": {
            **paths,
            "/v1/model": get("The model card", _json("card.json", _ref("Card")), True, "model"),
            "/healthz": get("Liveness", _json("Up", _ref("Health")), False, "health"),
            "/openapi.json": get(
                "This document", _json("OpenAPI 3.1", {"type": "object"}), False, "openapi"
            ),
            "/metrics": get("Prometheus metrics", metrics_text, True, "metrics"),
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
