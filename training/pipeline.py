"""tf.data input pipelines: file paths -> decoded, cached, augmented, batched pixels."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf

from aiorhuman.bundle.preprocess import decode_image, preprocess_bytes, resize_and_crop
from aiorhuman.training.augment import (
    AugmentConfig,
    ConsistencyConfig,
    augment,
    clean_and_web_views,
)
from aiorhuman.training.data import Sample
from aiorhuman.training.degrade import random_web_copy

AUTOTUNE = tf.data.AUTOTUNE


def _decoded(samples: Sequence[Sample], weights: np.ndarray | None = None) -> tf.data.Dataset:
    """``(image, label)``, or ``(image, label, weight)`` with ``weights``, decoded."""
    paths = [str(s.path) for s in samples]
    labels = [float(s.label) for s in samples]
    columns = (paths, labels) if weights is None else (paths, labels, np.float32(weights))
    dataset = tf.data.Dataset.from_tensor_slices(columns)
    dataset = dataset.map(
        lambda path, *rest: (decode_image(tf.io.read_file(path)), *rest),
        num_parallel_calls=AUTOTUNE,
        deterministic=True,
    )
    # Files were checked before training; this only guards against one changing underfoot.
    return dataset.ignore_errors(log_warning=True)


def _shuffled(samples: Sequence[Sample], weights: np.ndarray | None, seed: int) -> tf.data.Dataset:
    """Decoded samples, cached after the first pass and reshuffled every epoch."""
    dataset = _decoded(samples, weights).cache()
    return dataset.shuffle(len(samples), seed=seed, reshuffle_each_iteration=True)


def training_dataset(
    samples: Sequence[Sample],
    size: int,
    batch_size: int,
    config: AugmentConfig,
    seed: int,
    weights: np.ndarray | None = None,
) -> tf.data.Dataset:
    """Shuffled, augmented batches of ``(pixels, label)`` (with ``weights``: ``(pixels, label,
    weight)``), decoding each file once."""
    dataset = _shuffled(samples, weights, seed).map(
        lambda image, *rest: (augment(image, size, config), *rest), num_parallel_calls=AUTOTUNE
    )
    return dataset.batch(batch_size).prefetch(AUTOTUNE)


def paired_training_dataset(
    samples: Sequence[Sample],
    size: int,
    batch_size: int,
    config: AugmentConfig,
    seed: int,
    weights: np.ndarray | None = None,
) -> tf.data.Dataset:
    """Shuffled batches of ``((clean, web copy), label)`` (with ``weights``, a third element):
    each image beside a web copy of itself (``augment.clean_and_web_views``), for consistency
    training."""
    views = ConsistencyConfig()
    dataset = _shuffled(samples, weights, seed).map(
        lambda image, *rest: (clean_and_web_views(image, size, config, views), *rest),
        num_parallel_calls=AUTOTUNE,
    )
    return dataset.batch(batch_size).prefetch(AUTOTUNE)


def eval_dataset(samples: Sequence[Sample], size: int, batch_size: int) -> tf.data.Dataset:
    """Batches of ``(pixels, label)`` with inference preprocessing, cached after the first pass."""
    dataset = _decoded(samples).map(
        lambda image, label: (resize_and_crop(image, size), label), num_parallel_calls=AUTOTUNE
    )
    return dataset.cache().batch(batch_size).prefetch(AUTOTUNE)


def degraded_dataset(
    samples: Sequence[Sample], size: int, batch_size: int, degrade: Callable[[bytes], bytes]
) -> tf.data.Dataset:
    """Batches of ``(pixels, label)`` of each sample's bytes passed through ``degrade`` (one of
    ``training.degrade``), preprocessed exactly as at inference."""

    def copies():
        for sample in samples:
            yield degrade(sample.path.read_bytes()), float(sample.label)

    return _encoded_dataset(copies, size, batch_size)


def web_copies_dataset(
    samples: Sequence[Sample],
    size: int,
    batch_size: int,
    seed: int,
    passes: int = 1,
    crop_probability: float = 0.0,
) -> tf.data.Dataset:
    """Batches of ``(pixels, label)`` of ``passes`` random web copies of every sample
    (``training.degrade.random_web_copy``: full-resolution rescale and JPEG, and crops to web
    aspect ratios if ``crop_probability`` > 0), preprocessed exactly as at inference. Every
    iteration gives the same copies."""

    def copies():
        rng = random.Random(seed)
        for _ in range(passes):
            for sample in samples:
                copy = random_web_copy(
                    sample.path.read_bytes(), rng, crop_probability=crop_probability
                )
                yield copy, float(sample.label)

    return _encoded_dataset(copies, size, batch_size)


def _encoded_dataset(generator, size: int, batch_size: int) -> tf.data.Dataset:
    signature = (tf.TensorSpec([], tf.string), tf.TensorSpec([], tf.float32))
    dataset = tf.data.Dataset.from_generator(generator, output_signature=signature)
    dataset = dataset.map(
        lambda data, label: (preprocess_bytes(data, size), label), num_parallel_calls=AUTOTUNE
    )
    return dataset.batch(batch_size).prefetch(AUTOTUNE)
