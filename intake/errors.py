"""The one error the intake raises: why an image is refused, and the HTTP status it maps to."""

from __future__ import annotations

# kind -> HTTP status a server answers with (clients without HTTP use the kind alone).
STATUSES = {
    "empty": 400,
    "not-an-image": 400,
    "corrupt": 400,
    "unsupported-format": 415,
    "too-many-pixels": 422,
    "too-many-frames": 422,
    "too-costly": 422,
}


class ImageRefused(ValueError):
    """Untrusted bytes the intake will not decode.

    ``kind`` is one of ``STATUSES``; ``status`` the HTTP status it maps to; ``message`` a
    sentence for people; ``limit`` the limit that was passed, where one was.
    """

    def __init__(self, kind: str, message: str, limit: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = STATUSES[kind]
        self.message = message
        self.limit = limit
