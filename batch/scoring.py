"""Score encoded images with a run directory or a bundle, the same way for both."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from aiorhuman.bundle import verdict
from aiorhuman.training.data import Sample
from aiorhuman.training.preprocess import preprocess_bytes
from aiorhuman.training.progress import progress

MAX_FILE_BYTES = 50 * 1024 * 1024
# Larger images are refused from their header before any decode (decompression bombs).
MAX_PIXELS = 100_000_000
UNDECODABLE = "not a decodable JPEG, PNG, GIF or BMP image"


@dataclass
class Scored:
    """One image's result: a probability and verdict, or the error that stopped it."""

    sample: Sample
    probability: float | None = None
    verdict: str | None = None
    error: str | None = None
    reason: str | None = None  # "model" or "metadata", once ``add_provenance`` ran
    provenance: dict | None = None  # docs/provenance.md, once ``add_provenance`` ran


def add_provenance(result: Scored, data: bytes | None) -> Scored:
    """Read the provenance of the image's original bytes (None: unread) into ``result`` and
    make its verdict the final one (docs/provenance.md): ``ai`` by metadata when the
    provenance decides, else the model's. Every engine calls this before ``result_row``."""
    from aiorhuman.provenance import final_verdict, read_provenance
    from aiorhuman.provenance.combine import empty

    result.provenance = read_provenance(data) if data else empty()
    verdict, reason = final_verdict(result.verdict, result.provenance)
    result.verdict, result.reason = verdict, reason if verdict is not None else None
    return result


class Scorer:
    """Turns batches of encoded images into probabilities. Build with ``open_model``."""

    name: str
    input_size: int
    threshold: float
    unsure_band: list[float]

    def probabilities(self, images: list[bytes]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class RunScorer(Scorer):
    """A training run's Keras model behind our preprocessing."""

    def __init__(self, path: Path) -> None:
        from aiorhuman.training.runs import load_run

        run = load_run(path)
        self.name = f"run:{path.name}"
        self.input_size = run.config.input_size
        self.threshold = run.decision["threshold"]
        self.unsure_band = run.decision["unsure_band"]
        size, model = self.input_size, run.model

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def score(images: tf.Tensor) -> tf.Tensor:
            pixels = tf.map_fn(
                lambda data: preprocess_bytes(data, size),
                images,
                fn_output_signature=tf.TensorSpec([size, size, 3], tf.float32),
            )
            return tf.reshape(model(pixels, training=False), [-1])

        self._score = score

    def probabilities(self, images: list[bytes]) -> np.ndarray:
        return self._score(tf.constant(images, tf.string)).numpy()


class BundleScorer(Scorer):
    """A bundle's SavedModel (its bytes signature does the preprocessing)."""

    def __init__(self, path: Path) -> None:
        from aiorhuman.bundle import load_bundle

        self._bundle = load_bundle(path)
        card = self._bundle.card
        self.name = f"{card['name']}@{card.get('version', '?')}"
        self.input_size = self._bundle.input_size
        self.threshold = card["threshold"]
        self.unsure_band = card["unsure_band"]

    def probabilities(self, images: list[bytes]) -> np.ndarray:
        return self._bundle.predict_bytes(images)


def open_model(path: str | Path) -> Scorer:
    """A scorer for a run directory or a bundle folder."""
    path = Path(path)
    if (path / "card.json").is_file():
        return BundleScorer(path)
    if (path / "config.json").is_file():
        return RunScorer(path)
    raise FileNotFoundError(
        f"{path}: neither a run directory (config.json) nor a bundle (card.json)"
    )


def _read(sample: Sample) -> bytes:
    size = sample.path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file too large ({size} bytes)")
    if size == 0:
        raise ValueError("empty file")
    data = sample.path.read_bytes()
    _check_pixels(data)
    return data


def _check_pixels(data: bytes) -> None:
    """Refuse an image whose header declares more than ``MAX_PIXELS``, without decoding it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            width, height = Image.open(io.BytesIO(data)).size
    except Image.DecompressionBombError as exc:  # over Pillow's own limit, far over ours
        raise ValueError(f"image too large ({exc})") from exc
    except Exception:  # an unreadable header is for the model's decoder to judge
        return
    if width * height > MAX_PIXELS:
        raise ValueError(f"image too large ({width} x {height} pixels; at most {MAX_PIXELS})")


def _score_batch(scorer: Scorer, batch: list[tuple[Sample, bytes]]) -> list[Scored]:
    try:
        probs = scorer.probabilities([data for _, data in batch])
    except tf.errors.InvalidArgumentError:
        if len(batch) == 1:
            return [Scored(batch[0][0], error=UNDECODABLE)]
        # One bad image spoils the batch: score them one by one to find it.
        return [result for item in batch for result in _score_batch(scorer, [item])]
    return [
        Scored(sample, float(p), verdict(float(p), scorer.unsure_band))
        for (sample, _), p in zip(batch, probs, strict=True)
    ]


def score_samples(
    scorer: Scorer,
    samples: Sequence[Sample],
    batch_size: int = 32,
    read=_read,
    label: str = "scoring",
    provenance: bool = False,
) -> list[Scored]:
    """Score every sample; unreadable or undecodable images come back with ``error`` set.

    With ``provenance``, each result also gets the file's provenance and the final verdict
    (``add_provenance``); without it (evaluation), verdicts are the model's alone."""
    results: list[Scored] = []
    batch: list[tuple[Sample, bytes]] = []
    for index, sample in enumerate(progress(samples, label, enabled=len(samples) > 64)):
        try:
            batch.append((sample, read(sample)))
        except (OSError, ValueError) as exc:
            failed = Scored(sample, error=str(exc))
            results.append(add_provenance(failed, None) if provenance else failed)
        if len(batch) == batch_size or (index == len(samples) - 1 and batch):
            scored = _score_batch(scorer, batch)
            if provenance:
                for result, (_, data) in zip(scored, batch, strict=True):
                    add_provenance(result, data)
            results += scored
            batch = []
    order = {id(sample): i for i, sample in enumerate(samples)}
    return sorted(results, key=lambda r: order[id(r.sample)])
