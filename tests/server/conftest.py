"""Fixtures for the in-process server tests: the Flask app over a real (tiny) bundle."""

from __future__ import annotations

import threading

import pytest

from aiorhuman.server.app import create_app
from aiorhuman.server.model import BundleModel, load_model
from aiorhuman.server.settings import Settings


@pytest.fixture(scope="session")
def tiny_model(tiny_bundle) -> BundleModel:
    """The tiny bundle's SavedModel, loaded as the server loads it."""
    return load_model(tiny_bundle, max_batch=8)


class GatedModel:
    """The real model behind a gate, so that a test can hold a model call open."""

    def __init__(self, model: BundleModel, gate: threading.Event) -> None:
        self.model, self.gate, self.card = model, gate, model.card

    def predict(self, images: list[bytes]) -> list[float]:
        self.gate.wait(10)
        return self.model.predict(images)

    def verdict(self, probability: float) -> str:
        return self.model.verdict(probability)


@pytest.fixture
def make_client(tiny_model):
    """``make_client(model=None, **settings)`` -> a Flask test client; batchers are closed after."""
    apps = []

    def make(model=None, **settings):
        app = create_app(Settings(**settings), model or tiny_model)
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        app.extensions["aiorhuman"].batcher.close(timeout=5)


@pytest.fixture
def client(make_client):
    return make_client()
