"""Errors as RFC 9457 problem details: ``application/problem+json``, never a stack trace."""

from __future__ import annotations

from flask import Response, json

from aiorhuman.intake import ImageRefused

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "tag:aiorhuman,2026:problem:"

# slug -> (status, title). The slug makes the ``type`` URI; the title never changes per type.
CATALOGUE: dict[str, tuple[int, str]] = {
    "bad-request": (400, "Bad request"),
    "empty-body": (400, "Empty body"),
    "not-an-image": (400, "Not an image"),
    "corrupt-image": (400, "Corrupt or truncated image"),
    "too-many-files": (400, "Too many files"),
    "too-many-parts": (400, "Too many multipart parts"),
    "bad-url": (400, "Bad URL"),
    "url-not-allowed": (400, "URL not allowed"),
    "fetch-failed": (400, "Could not fetch the URL"),
    "fetch-disabled": (400, "URL fetching is disabled"),
    "unauthorized": (401, "API key required"),
    "origin-not-allowed": (403, "Origin not allowed"),
    "host-not-allowed": (403, "Host not allowed"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "request-timeout": (408, "Request not received in time"),
    "body-too-large": (413, "Body too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "unsupported-image-format": (415, "Unsupported image format"),
    "too-many-pixels": (422, "Too many pixels"),
    "too-many-frames": (422, "Too many frames"),
    "too-costly": (422, "Image too costly to decode"),
    "rate-limited": (429, "Too many requests"),
    "internal": (500, "Internal server error"),
    "overloaded": (503, "Server overloaded"),
    "timeout": (503, "Scoring took too long"),
    "feedback-full": (507, "Feedback folder full"),
}


# The intake's refusal kinds whose slug here differs (the others are the same word).
_REFUSALS = {
    "empty": "empty-body",
    "corrupt": "corrupt-image",
    "unsupported-format": "unsupported-image-format",
}


class Problem(Exception):
    """An error to answer with: a catalogue slug, a human detail, extra members and headers."""

    def __init__(self, slug: str, detail: str, headers: dict | None = None, **members) -> None:
        super().__init__(detail)
        self.slug = slug
        self.status, self.title = CATALOGUE[slug]
        self.detail = detail
        self.headers = headers or {}
        self.members = members

    def body(self) -> dict:
        """The JSON object of the problem."""
        return {
            "type": TYPE_PREFIX + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.members,
        }

    def response(self) -> Response:
        """The HTTP response for this problem."""
        response = Response(json.dumps(self.body()), self.status, mimetype=MEDIA_TYPE)
        response.headers.update(self.headers)
        return response

    @classmethod
    def refused(cls, refusal: ImageRefused) -> Problem:
        """The problem for an image the intake refused (same status, same message)."""
        members = {} if refusal.limit is None else {"limit": refusal.limit}
        return cls(_REFUSALS.get(refusal.kind, refusal.kind), refusal.message, **members)
