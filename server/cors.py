"""Which browser origins may call the API: CORS for chosen ones, refusal for other web pages."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, X-API-Key, X-Request-ID"
EXPOSE_HEADERS = "Retry-After, X-Request-ID"
MAX_AGE = "600"
WEB_SCHEMES = ("http", "https")


class Cors:
    """Decides which origins may call the API from a browser.

    Allowed: the ``origins`` listed (``*`` for any) and the extensions whose ids are listed
    (``chrome-extension://<id>``, ``moz-extension://<uuid>``). Our extension needs none of
    this when it holds host permission for the server (it does by default: ``<all_urls>``).
    """

    def __init__(self, origins: Iterable[str] = (), extension_ids: Iterable[str] = ()) -> None:
        self.origins = {origin.rstrip("/") for origin in origins}
        self.origins |= {
            f"{scheme}://{ident}"
            for ident in extension_ids
            for scheme in ("chrome-extension", "moz-extension")
        }

    def allowed(self, origin: str | None) -> bool:
        return bool(origin) and ("*" in self.origins or origin in self.origins)

    def refused(self, origin: str | None, host: str) -> bool:
        """True for a request from a web page (or an opaque ``null`` origin) that is neither
        allowed nor served by this host: a page cannot make the server work for it, even
        with requests that need no preflight (a multipart form)."""
        if not origin or self.allowed(origin):
            return False
        if origin == "null":
            return True
        parts = urlsplit(origin)
        return parts.scheme in WEB_SCHEMES and parts.netloc != host

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
