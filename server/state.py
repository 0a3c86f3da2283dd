"""What the request handlers of one worker share, and how it is wired together."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app

from aiorhuman import intake
from aiorhuman.server import openapi
from aiorhuman.server.addresses import parse_networks
from aiorhuman.server.auth import KeyCheck
from aiorhuman.server.batcher import Batcher
from aiorhuman.server.budget import Budget
from aiorhuman.server.cors import Cors
from aiorhuman.server.feedback import FeedbackStore
from aiorhuman.server.fetch import FetchPolicy
from aiorhuman.server.hosts import HostCheck
from aiorhuman.server.metrics import Metrics
from aiorhuman.server.model import Model
from aiorhuman.server.ratelimit import RateLimiter
from aiorhuman.server.scoring import Scorer
from aiorhuman.server.settings import Settings


@dataclass
class Server:
    """Everything the request handlers share, built once per worker."""

    settings: Settings
    model: Model
    batcher: Batcher
    scorer: Scorer
    metrics: Metrics
    keys: KeyCheck
    cors: Cors
    hosts: HostCheck
    budget: Budget
    feedback: FeedbackStore | None
    limiter: RateLimiter | None
    fetch_policy: FetchPolicy
    openapi: dict
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def model_info(self) -> dict:
        return {"name": self.model.card["name"], "version": self.model.card.get("version")}

    def protected(self, path: str) -> bool:
        """Paths that need a key when keys are configured."""
        return self.keys.enabled and (path.startswith("/v1/") or path == "/metrics")


def current() -> Server:
    """The ``Server`` of the app handling this request."""
    return current_app.extensions["aiorhuman"]


def build_server(settings: Settings, model: Model) -> Server:
    """Wire the parts together for one worker."""
    # The gauges read ``batcher`` and ``server`` when scraped, after both exist.
    metrics = Metrics(lambda: batcher.depth, lambda: server.in_flight)
    batcher = Batcher(
        model.predict,
        max_batch=settings.max_batch,
        max_wait=settings.max_wait_ms / 1000,
        max_queue=settings.max_queue,
        max_weight=settings.max_pixels,
        on_batch=metrics.record_batch,
    )
    limits = intake.Limits(settings.max_pixels, settings.max_frames)
    keys = KeyCheck(settings.all_api_keys())
    server = Server(
        settings=settings,
        model=model,
        batcher=batcher,
        scorer=Scorer(batcher, limits, settings.request_timeout),
        metrics=metrics,
        keys=keys,
        cors=Cors(settings.cors_origins, settings.cors_extension_ids),
        hosts=HostCheck(settings.host, settings.allowed_hosts),
        budget=Budget(
            settings.max_request_pixels, settings.client_pixels_per_minute, settings.busy_threads
        ),
        feedback=FeedbackStore(settings.feedback_dir, settings.feedback_max_images)
        if settings.feedback_dir
        else None,
        limiter=RateLimiter(settings.rate_limit / 60, settings.rate_burst)
        if settings.rate_limit
        else None,
        fetch_policy=FetchPolicy(
            allow=parse_networks(settings.fetch_allow),
            timeout=settings.fetch_timeout,
            max_bytes=settings.max_body_bytes,
            max_redirects=settings.fetch_redirects,
        ),
        openapi=openapi.document(model.card, settings, keys.enabled),
    )
    return server
