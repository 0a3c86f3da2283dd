"""Optional API keys: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()


def key_id(key: str) -> str:
    """A short, non-secret name for a key (for logs and rate limits)."""
    return _digest(key).hex()[:12]


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a request carries, if any."""
    authorization = headers.get("Authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("X-API-Key") or None


class KeyCheck:
    """Compares presented keys with the configured ones in constant time."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = [_digest(key) for key in keys]

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def valid(self, key: str | None) -> bool:
        """True if ``key`` is one of the keys; every key is compared, whatever matches."""
        presented = _digest(key or "")
        matched = False
        for digest in self._digests:
            matched |= hmac.compare_digest(presented, digest)
        return matched and key is not None
