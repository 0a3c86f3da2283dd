"""Loss weights that balance training across sources as well as classes.

A few large sources (one scrape of 2022 generators is a quarter of the AI images) would
otherwise set what "AI" looks like; weighting each image by ``1 / n ** power``, with ``n`` the
training images of its source, gives small sources (most of the newest generators) more say.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from aiorhuman.training.data import Sample


def source_balanced_weights(
    samples: Sequence[Sample], sources: Mapping[str, str], power: float
) -> np.ndarray:
    """Each sample's loss weight: ``1 / n ** power``, ``n`` the number of ``samples`` of its
    label from its source (``sources``: key -> source; keys not in it count as one source per
    label), scaled so that each label's weights sum to half the samples (the classes weigh
    the same). ``power`` 0 gives plain class balance; 1 weighs every source equally."""
    groups = [(s.label, sources.get(s.key, "")) for s in samples]
    counts = Counter(groups)
    raw = np.array([counts[g] ** -power for g in groups], dtype=np.float64)
    labels = np.array([s.label for s in samples])
    weights = np.zeros(len(samples), dtype=np.float32)
    for label in np.unique(labels):
        mask = labels == label
        weights[mask] = raw[mask] * (len(samples) / 2) / raw[mask].sum()
    return weights
