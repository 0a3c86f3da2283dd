"""What one request may cost before its images are decoded, and how much work runs at once.

Decoding is linear in pixels, so pixels are the unit of cost: a request may hold at most
``max_request_pixels`` in all its images together, and each client (API key, or IP without
one) has a token bucket of pixels per minute. Both are charged from the headers, before any
pixel is decoded. Work on /v1/ takes one of ``busy_threads`` slots, fewer than the request
threads, so that a few threads always stay free to answer /healthz and cheap requests.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiorhuman.server.problems import Problem
from aiorhuman.server.ratelimit import RateLimiter


class Budget:
    """Pixel limits per request and per client, and the slots for costly work."""

    def __init__(self, max_request_pixels: int, pixels_per_minute: int, busy_threads: int) -> None:
        self.max_request_pixels = max_request_pixels
        self.pixels_per_minute = pixels_per_minute
        self._pixels = (
            RateLimiter(pixels_per_minute / 60, max_request_pixels) if pixels_per_minute else None
        )
        self._slots = threading.BoundedSemaphore(busy_threads)

    @contextmanager
    def working(self) -> Iterator[None]:
        """Hold a work slot for the block; 503 at once when none is free."""
        if not self._slots.acquire(blocking=False):
            raise Problem(
                "overloaded",
                "The server is busy with other requests; try again shortly.",
                headers={"Retry-After": "1"},
            )
        try:
            yield
        finally:
            self._slots.release()

    def charge(self, client: str, pixels: int) -> None:
        """Charge ``pixels`` to ``client``: 422 over the request limit, 429 over its budget."""
        if pixels > self.max_request_pixels:
            raise Problem(
                "too-many-pixels",
                f"The images hold {pixels} pixels together; one request may hold at most "
                f"{self.max_request_pixels}.",
                limit=self.max_request_pixels,
            )
        wait = self._pixels.acquire(client, pixels) if self._pixels else 0.0
        if wait > 0:
            raise Problem(
                "rate-limited",
                f"This client's budget of {self.pixels_per_minute} pixels per minute is spent.",
                headers={"Retry-After": str(math.ceil(wait))},
            )
