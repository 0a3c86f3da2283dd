"""Micro-batching: concurrent requests share one model call.

Request threads ``submit`` items and wait on futures; one thread takes up to ``max_batch``
items from a bounded queue and calls the model once for all of them. A forming batch waits up
to ``max_wait`` for more items only while more are expected: announced by requests on their
way (``expecting``), or as many as the last batch had. A lone request never waits. If a batch
fails, it is split in halves until the failing items are found, so one bad input fails only
its own request.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass


class Overloaded(Exception):
    """The queue is full."""


@dataclass(frozen=True)
class Outcome:
    """One item's result with where its time went."""

    value: object
    queue_seconds: float
    run_seconds: float
    batch_size: int


@dataclass
class _Item:
    payload: object
    weight: int
    future: Future
    enqueued: float


class Batcher:
    """Runs ``fn(list_of_payloads) -> list_of_values`` over micro-batches in one thread."""

    def __init__(
        self,
        fn: Callable[[list], Sequence],
        max_batch: int = 16,
        max_wait: float = 0.005,
        max_queue: int = 64,
        max_weight: int | None = None,
        on_batch: Callable[[int, float], None] | None = None,
    ) -> None:
        self.fn = fn
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.max_queue = max_queue
        self.max_weight = max_weight
        self.on_batch = on_batch
        self._queue: deque[_Item] = deque()
        self._expected = 0
        self._last_size = 0
        self._local = threading.local()
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="batcher", daemon=True)
        self._thread.start()

    @property
    def depth(self) -> int:
        """Items waiting for the model."""
        return len(self._queue)

    @contextmanager
    def expecting(self) -> Iterator[None]:
        """Announce that this thread will submit soon, so a forming batch waits for it.

        The announcement ends at this thread's next ``submit`` or when the block ends.
        """
        with self._cond:
            self._expected += 1
            self._local.expecting = True
        try:
            yield
        finally:
            with self._cond:
                self._arrived()

    def _arrived(self) -> None:
        """End this thread's announcement, if any (call with the lock held)."""
        if getattr(self._local, "expecting", False):
            self._local.expecting = False
            self._expected -= 1
            self._cond.notify()

    def submit(self, payloads: Sequence, weights: Sequence[int] | None = None) -> list[Future]:
        """Queue all payloads or none; raise ``Overloaded`` when they do not fit."""
        weights = weights or [1] * len(payloads)
        now = time.monotonic()
        items = [_Item(p, w, Future(), now) for p, w in zip(payloads, weights, strict=True)]
        with self._cond:
            if self._closed:
                raise Overloaded("the server is shutting down")
            if len(self._queue) + len(items) > self.max_queue:
                raise Overloaded(f"{len(self._queue)} images are already waiting")
            self._queue.extend(items)
            self._arrived()
            self._cond.notify()
        return [item.future for item in items]

    def close(self, timeout: float | None = None) -> None:
        """Stop taking items, finish the queued ones, and end the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)

    def _take(self) -> list[_Item] | None:
        """Wait for the next batch; None once closed and drained."""
        with self._cond:
            while not self._queue:
                if self._closed:
                    return None
                self._cond.wait()
            deadline = self._queue[0].enqueued + self.max_wait
            while len(self._queue) < self._wanted() and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch: list[_Item] = []
            weight = 0
            while self._queue and len(batch) < self.max_batch:
                item = self._queue[0]
                if batch and self.max_weight and weight + item.weight > self.max_weight:
                    break
                self._queue.popleft()
                if item.future.set_running_or_notify_cancel():
                    batch.append(item)
                    weight += item.weight
            self._last_size = len(batch)
            return batch

    def _wanted(self) -> int:
        """How many items a forming batch waits for: those announced, or as many as last time.

        Under steady concurrent load the requests of one batch come back together for the
        next; waiting for them (at most ``max_wait``) keeps batches full instead of
        alternating between a few early items and the rest.
        """
        return min(max(len(self._queue) + self._expected, self._last_size), self.max_batch)

    def _loop(self) -> None:
        while (batch := self._take()) is not None:
            try:
                self._run(batch)
            except Exception as exc:  # e.g. a failing on_batch hook: fail the batch, not the thread
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)

    def _run(self, batch: list[_Item]) -> None:
        """Call ``fn`` on the batch; on failure, split it to find the failing items."""
        if not batch:  # every item was cancelled while waiting
            return
        start = time.monotonic()
        try:
            values = list(self.fn([item.payload for item in batch]))
            if len(values) != len(batch):
                raise RuntimeError(f"model gave {len(values)} results for {len(batch)} inputs")
        except Exception as exc:  # the model's error belongs to the request, never the thread
            if len(batch) == 1:
                batch[0].future.set_exception(exc)
                return
            middle = len(batch) // 2
            self._run(batch[:middle])
            self._run(batch[middle:])
            return
        seconds = time.monotonic() - start
        if self.on_batch is not None:
            self.on_batch(len(batch), seconds)
        for item, value in zip(batch, values, strict=True):
            queued = start - item.enqueued
            item.future.set_result(Outcome(value, queued, seconds, len(batch)))
