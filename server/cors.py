"""CORS for the browser extension's origins and any configured ones."""

from __future__ import annotations

import re
from collections.abc import Iterable

EXTENSION_ORIGIN = re.compile(r"^(chrome-extension|moz-extension)://[A-Za-z0-9-]{1,64}$")
ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, X-API-Key, X-Request-ID"
EXPOSE_HEADERS = "Retry-After, X-Request-ID"
MAX_AGE = "600"


class Cors:
    """Decides which origins may call the API from a browser."""

    def __init__(self, origins: Iterable[str] = (), extensions: bool = True) -> None:
        self.origins = {origin.rstrip("/") for origin in origins}
        self.extensions = extensions

    def allowed(self, origin: str | None) -> bool:
        if not origin:
            return False
        if "*" in self.origins or origin in self.origins:
            return True
        return self.extensions and bool(EXTENSION_ORIGIN.match(origin))

    def headers(self, origin: str | None, preflight: bool = False) -> dict[str, str]:
        """Headers to add to a response for a request from ``origin`` (none if refused)."""
        if not self.allowed(origin):
            return {}
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": EXPOSE_HEADERS,
        }
        if preflight:
            headers |= {
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": ALLOW_HEADERS,
                "Access-Control-Max-Age": MAX_AGE,
            }
        return headers
