"""Fixtures for the server tests: a fake model for in-process tests of the Flask app."""

from __future__ import annotations

import hashlib
import threading

import pytest

from server.app import create_app
from server.model import UnreadableImage
from server.settings import Settings

CARD = {
    "card_version": 1,
    "name": "fake",
    "version": "0.0",
    "input_size": 32,
    "threshold": 0.5,
    "unsure_band": [0.4, 0.6],
    "files": {},
}


class FakeModel:
    """Scores bytes by their hash; like TF's decoder, refuses JPEGs cut before their end."""

    card = CARD

    def __init__(self, delay: threading.Event | None = None) -> None:
        self.calls: list[int] = []
        self.gate = delay

    def predict(self, images: list[bytes]) -> list[float]:
        if self.gate is not None:
            self.gate.wait(10)
        self.calls.append(len(images))
        if any(i.startswith(b"\xff\xd8") and not i.endswith(b"\xff\xd9") for i in images):
            raise UnreadableImage("truncated")
        return [hashlib.sha256(image).digest()[0] / 255 for image in images]

    def verdict(self, probability: float) -> str:
        low, high = self.card["unsure_band"]
        return "ai" if probability >= high else "human" if probability < low else "unsure"


@pytest.fixture
def make_client():
    """``make_client(model=None, **settings)`` -> a Flask test client; batchers are closed after."""
    apps = []

    def make(model=None, **settings):
        app = create_app(Settings(**settings), model or FakeModel())
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        app.extensions["aiorhuman"].batcher.close(timeout=5)


@pytest.fixture
def client(make_client):
    return make_client()
