"""Micro-batching with a plain Python function as the model."""

from __future__ import annotations

import threading
import time

import pytest

from aiorhuman.server.batcher import Batcher, Overloaded


@pytest.fixture
def batchers():
    made = []

    def make(fn, **kwargs) -> Batcher:
        batcher = Batcher(fn, **kwargs)
        made.append(batcher)
        return batcher

    yield make
    for batcher in made:
        batcher.close(timeout=5)


class Held:
    """A model that holds each call until released, recording its batches."""

    def __init__(self, fn=lambda items: items) -> None:
        self.fn = fn
        self.calls: list[list] = []
        self.started = threading.Event()
        self.gate = threading.Event()

    def __call__(self, items):
        self.started.set()
        self.gate.wait(5)
        self.calls.append(list(items))
        return self.fn(items)

    def hold(self, batcher: Batcher) -> list:
        """Submit one item and return once the model is busy with it."""
        futures = batcher.submit([0])
        assert self.started.wait(5)
        return futures


def test_concurrent_submissions_share_a_call(batchers):
    model = Held(lambda items: [x * 2 for x in items])
    batcher = batchers(model, max_batch=8, max_wait=0.01)
    first = model.hold(batcher)  # occupies the model while the rest queue up
    rest = [batcher.submit([i]) for i in range(1, 8)]
    model.gate.set()
    assert first[0].result(5).value == 0
    assert [f[0].result(5).value for f in rest] == [2 * i for i in range(1, 8)]
    assert model.calls == [[0], list(range(1, 8))]
    assert rest[0][0].result().batch_size == 7


def test_a_lone_request_does_not_wait(batchers):
    batcher = batchers(lambda items: items, max_wait=1.0)
    start = time.monotonic()
    assert batcher.submit(["x"])[0].result(5).value == "x"
    assert time.monotonic() - start < 0.5


def test_an_announced_request_is_waited_for(batchers):
    calls = []
    batcher = batchers(lambda items: calls.append(len(items)) or items, max_wait=2.0)
    ready = threading.Event()

    def late():
        with batcher.expecting():
            ready.set()
            time.sleep(0.2)
            batcher.submit(["b"])[0].result(5)

    thread = threading.Thread(target=late)
    thread.start()
    ready.wait(5)
    assert batcher.submit(["a"])[0].result(5).value == "a"
    thread.join(5)
    assert calls == [2]


def test_batches_are_capped_by_size_and_weight(batchers):
    model = Held()
    batcher = batchers(model, max_batch=3, max_weight=10)
    futures = model.hold(batcher)
    futures += batcher.submit(list(range(1, 8)))
    futures += batcher.submit(["big", "big2"], weights=[8, 8])
    model.gate.set()
    for future in futures:
        future.result(5)
    assert model.calls == [[0], [1, 2, 3], [4, 5, 6], [7, "big"], ["big2"]]


def test_a_failing_item_fails_alone(batchers):
    def fn(items):
        if "bad" in items:
            raise ValueError("bad input")
        return [str(item).upper() for item in items]

    model = Held(fn)
    batcher = batchers(model, max_batch=8)
    model.hold(batcher)
    futures = [batcher.submit([x])[0] for x in ("a", "bad", "c", "d", "e")]
    model.gate.set()
    with pytest.raises(ValueError):
        futures[1].result(5)
    assert [f.result(5).value for i, f in enumerate(futures) if i != 1] == ["A", "C", "D", "E"]
    assert model.calls[1] == ["a", "bad", "c", "d", "e"]  # tried together, then split


def test_wrong_result_count_is_an_error_not_a_hang(batchers):
    batcher = batchers(lambda items: [], max_batch=4)
    with pytest.raises(RuntimeError):
        batcher.submit(["a"])[0].result(5)
    with pytest.raises(RuntimeError):  # and the thread still works
        batcher.submit(["b"])[0].result(5)


def test_queue_is_bounded(batchers):
    model = Held()
    batcher = batchers(model, max_queue=4)
    model.hold(batcher)
    batcher.submit([1, 2, 3])
    with pytest.raises(Overloaded):
        batcher.submit([4, 5])
    batcher.submit([4])
    model.gate.set()


def test_cancelled_items_are_skipped(batchers):
    model = Held()
    batcher = batchers(model)
    model.hold(batcher)
    dropped = batcher.submit(["dropped"])[0]
    kept = batcher.submit(["kept"])[0]
    assert dropped.cancel()
    model.gate.set()
    assert kept.result(5).value == "kept"
    assert model.calls == [[0], ["kept"]]


def test_close_finishes_queued_work(batchers):
    batcher = batchers(lambda items: (time.sleep(0.05), items)[1])
    futures = [batcher.submit([i])[0] for i in range(5)]
    batcher.close(timeout=5)
    assert [f.result(0).value for f in futures] == list(range(5))
    with pytest.raises(Overloaded):
        batcher.submit([9])
