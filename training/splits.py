"""Train / validation / test splits: stratified by label, or holding out whole sources."""

from __future__ import annotations

import numpy as np

from aiorhuman.training.data import Sample


def stratified_split(
    samples: list[Sample], fraction: float, seed: int
) -> tuple[list[Sample], list[Sample]]:
    """Split off ``fraction`` of each label at random; returns ``(rest, split_off)``."""
    if fraction <= 0:
        return list(samples), []
    rng = np.random.default_rng(seed)
    rest, taken = [], []
    for label in (0, 1):
        group = [s for s in samples if s.label == label]
        order = rng.permutation(len(group))
        count = round(len(group) * fraction)
        if len(group) >= 2:
            count = min(max(count, 1), len(group) - 1)
        taken += [group[i] for i in order[:count]]
        rest += [group[i] for i in order[count:]]
    return rest, taken


def source_holdout(
    samples: list[Sample], sources: dict[str, str], held_out: list[str]
) -> tuple[list[Sample], list[Sample]]:
    """Split off every sample whose source is in ``held_out``; returns ``(rest, held_out)``."""
    unknown = set(held_out) - set(sources.values())
    if unknown:
        raise ValueError(f"no images from source(s) {', '.join(sorted(unknown))}")
    chosen = set(held_out)
    rest = [s for s in samples if sources.get(s.key) not in chosen]
    out = [s for s in samples if sources.get(s.key) in chosen]
    return rest, out
