"""Score lists of encoded images with any scorer, in batches, isolating the ones that fail."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import tensorflow as tf

from aiorhuman.bundle.card import verdict
from aiorhuman.bundle.model import load_bundle

UNDECODABLE = "not a decodable image"


class Item(Protocol):
    """What ``score_items`` needs of an input: where its bytes are and how to name it."""

    path: Path
    key: str


class Scorer(Protocol):
    """Turns batches of encoded images into probabilities, with the card's decision."""

    name: str
    input_size: int
    threshold: float
    unsure_band: list[float]

    def probabilities(self, images: list[bytes]) -> np.ndarray: ...


@dataclass
class Scored:
    """One image's result: a probability and verdict, or the error that stopped it.

    ``reason`` and ``provenance`` are filled in by clients that read provenance (batch)."""

    sample: Item
    probability: float | None = None
    verdict: str | None = None
    error: str | None = None
    reason: str | None = None
    provenance: dict | None = None


class BundleScorer:
    """A bundle's SavedModel (its bytes signature does the preprocessing)."""

    def __init__(self, path: str | Path) -> None:
        self.bundle = load_bundle(path)
        card = self.bundle.card
        self.name = f"{card['name']}@{card.get('version', '?')}"
        self.input_size = self.bundle.input_size
        self.threshold = card["threshold"]
        self.unsure_band = card["unsure_band"]

    def probabilities(self, images: list[bytes]) -> np.ndarray:
        return self.bundle.predict_bytes(images)


def score_batch(scorer: Scorer, batch: Sequence[tuple[Item, bytes]]) -> list[Scored]:
    """Score one batch; when the model refuses it, score its images one by one to find the
    undecodable ones."""
    try:
        probs = scorer.probabilities([data for _, data in batch])
    except tf.errors.InvalidArgumentError:
        if len(batch) == 1:
            return [Scored(batch[0][0], error=UNDECODABLE)]
        return [result for item in batch for result in score_batch(scorer, [item])]
    return [
        Scored(item, float(p), verdict(float(p), scorer.unsure_band))
        for (item, _), p in zip(batch, probs, strict=True)
    ]


def score_items(
    scorer: Scorer,
    items: Sequence[Item],
    read: Callable[[Item], bytes],
    batch_size: int = 32,
    to_model: Callable[[bytes], bytes] = bytes,
    on_batch: Callable[[list[Scored], list[bytes]], None] | None = None,
    progress: Callable[[Iterable[Item]], Iterator[Item]] = iter,
) -> list[Scored]:
    """Score every item in input order. ``read`` gives its bytes and ``to_model`` what the
    model is given of them (e.g. a PNG of a format it cannot decode); either may raise
    ``OSError`` or ``ValueError``, and the result then carries the message as ``error``.
    ``on_batch`` sees each scored batch with the bytes read (e.g. to read provenance)."""
    results: list[Scored] = []
    batch: list[tuple[Item, bytes]] = []
    originals: list[bytes] = []
    for index, item in enumerate(progress(items)):
        data = b""
        try:
            data = read(item)
            batch.append((item, to_model(data)))
            originals.append(data)
        except (OSError, ValueError) as exc:
            failed = [Scored(item, error=str(exc))]
            if on_batch:
                on_batch(failed, [data])
            results += failed
        if batch and (len(batch) == batch_size or index == len(items) - 1):
            scored = score_batch(scorer, batch)
            if on_batch:
                on_batch(scored, originals)
            results += scored
            batch, originals = [], []
    order = {id(item): i for i, item in enumerate(items)}
    return sorted(results, key=lambda r: order[id(r.sample)])
