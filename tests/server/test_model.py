"""The bundle adapter: fixed padded batch sizes, warm-up, decode errors."""

from __future__ import annotations

import numpy as np
import pytest

from aiorhuman.server.model import BundleModel, UnreadableImage, padded_size


class StubBundle:
    """Just enough of ``bundle.Bundle``: records batch sizes, refuses b"bad"."""

    input_size = 8

    def __init__(self) -> None:
        self.card = {"name": "stub", "unsure_band": [0.4, 0.6]}
        self.sizes: list[int] = []

    def predict_bytes(self, images: list[bytes]) -> np.ndarray:
        import tensorflow as tf

        self.sizes.append(len(images))
        if b"bad" in images:
            raise tf.errors.InvalidArgumentError(None, None, "Invalid JPEG data\nmore")
        return np.array([len(image) / 1000 for image in images], np.float32)

    def verdict(self, probability: float) -> str:
        return "ai" if probability >= 0.6 else "human"


def test_padded_sizes():
    assert [padded_size(n) for n in range(1, 18)] == [
        1,
        2,
        3,
        4,
        6,
        6,
        8,
        8,
        12,
        12,
        12,
        12,
        16,
        16,
        16,
        16,
        24,
    ]


def test_batches_are_padded_and_trimmed():
    stub = StubBundle()
    model = BundleModel(stub)
    out = model.predict([b"x" * 100, b"y" * 200, b"z" * 300, b"w" * 400, b"v" * 500])
    assert out == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert stub.sizes == [6]


def test_warm_up_runs_each_size_once():
    stub = StubBundle()
    BundleModel(stub).warm_up(16)
    assert stub.sizes == [1, 2, 3, 4, 6, 8, 12, 16]


def test_decode_errors_become_unreadable_image():
    with pytest.raises(UnreadableImage, match=r"^Invalid JPEG data$"):
        BundleModel(StubBundle()).predict([b"bad"])
