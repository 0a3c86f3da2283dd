"""Prometheus metrics in the text exposition format (version 0.0.4), without dependencies.

Each worker process keeps its own numbers.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(str(v))}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    """A monotonically increasing count per label set."""

    kind = "counter"

    def __init__(self, name: str, help: str, labels: Sequence[str] = ()) -> None:
        self.name, self.help, self.labels = name, help, tuple(labels)
        self._values: dict[tuple, float] = defaultdict(float)
        self._lock = threading.Lock()

    def inc(self, *labels: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[labels] += amount

    def samples(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items()) or ([((), 0.0)] if not self.labels else [])
        return [f"{self.name}{_labels(self.labels, k)} {_number(v)}" for k, v in items]


class Histogram:
    """Observations counted into cumulative buckets per label set."""

    kind = "histogram"

    def __init__(
        self, name: str, help: str, buckets: Sequence[float], labels: Sequence[str] = ()
    ) -> None:
        self.name, self.help, self.labels = name, help, tuple(labels)
        self.buckets = (*buckets, math.inf)
        self._values: dict[tuple, list] = {}
        self._lock = threading.Lock()

    def observe(self, value: float, *labels: str) -> None:
        with self._lock:
            counts = self._values.setdefault(labels, [[0] * len(self.buckets), 0.0])
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    counts[0][i] += 1
            counts[1] += value

    def samples(self) -> list[str]:
        with self._lock:
            items = sorted((k, (list(v[0]), v[1])) for k, v in self._values.items())
        lines = []
        for key, (counts, total) in items:
            for bound, count in zip(self.buckets, counts, strict=True):
                le = f'le="{_number(bound)}"'
                lines.append(f"{self.name}_bucket{_labels(self.labels, key, le)} {count}")
            lines.append(f"{self.name}_sum{_labels(self.labels, key)} {_number(total)}")
            lines.append(f"{self.name}_count{_labels(self.labels, key)} {counts[-1]}")
        return lines


class Gauge:
    """A value read when the metrics are scraped."""

    kind = "gauge"

    def __init__(self, name: str, help: str, read: Callable[[], float]) -> None:
        self.name, self.help, self.read = name, help, read

    def samples(self) -> list[str]:
        return [f"{self.name} {_number(self.read())}"]


class Metrics:
    """The server's metrics."""

    def __init__(self, queue_depth: Callable[[], float], in_flight: Callable[[], float]) -> None:
        self.requests = Counter(
            "aiorhuman_requests_total", "HTTP requests answered.", ("endpoint", "method", "status")
        )
        self.latency = Histogram(
            "aiorhuman_request_duration_seconds",
            "Time to answer a request.",
            LATENCY_BUCKETS,
            ("endpoint",),
        )
        self.errors = Counter(
            "aiorhuman_errors_total", "Problem responses by problem type.", ("type",)
        )
        self.images = Counter("aiorhuman_images_scored_total", "Images scored by the model.")
        self.batch_size = Histogram("aiorhuman_batch_size", "Images per model call.", BATCH_BUCKETS)
        self.model_seconds = Histogram(
            "aiorhuman_model_call_duration_seconds", "Time of one model call.", LATENCY_BUCKETS
        )
        self.queue_depth = Gauge(
            "aiorhuman_queue_depth", "Images waiting for the model.", queue_depth
        )
        self.in_flight = Gauge(
            "aiorhuman_requests_in_flight", "Requests being answered.", in_flight
        )

    def record_batch(self, size: int, seconds: float) -> None:
        """Hook for the batcher: one model call of ``size`` images."""
        self.images.inc(amount=size)
        self.batch_size.observe(size)
        self.model_seconds.observe(seconds)

    def render(self) -> str:
        """All metrics as Prometheus text."""
        lines = []
        for metric in vars(self).values():
            lines.append(f"# HELP {metric.name} {metric.help}")
            lines.append(f"# TYPE {metric.name} {metric.kind}")
            lines.extend(metric.samples())
        return "\n".join(lines) + "\n"
