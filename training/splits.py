"""Train / validation / test splits: stratified by label, or holding out whole sources."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from aiorhuman.training.data import Sample, load_sources


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


def split_samples(config, samples: list) -> tuple[list, list, list]:
    """``(train, validation, test)`` as ``config`` splits ``samples``: deterministic per seed.

    With ``train_on_test`` the test images join training and the validation split is still
    the one a run holding them out had."""
    rest, test = samples, []
    if config.holdout_sources:
        sources = load_sources(config.data, "--holdout-source")
        rest, test = source_holdout(samples, sources, config.holdout_sources)
    elif config.test_fraction:
        rest, test = stratified_split(samples, config.test_fraction, config.seed + 1)
    train, val = stratified_split(rest, config.val_fraction, config.seed)
    if config.train_on_test:
        if not test:
            raise ValueError(
                "--train-on-test needs a test split (--test-fraction or --holdout-source)"
            )
        return train + test, val, []
    return train, val, test


def write_splits(out: Path, train: list, val: list, test: list) -> None:
    """Record which files went to which split (``splits.json``)."""
    splits = {
        name: [{"file": s.key, "label": s.label} for s in part]
        for name, part in (("train", train), ("validation", val), ("test", test))
    }
    (out / "splits.json").write_text(json.dumps(splits) + "\n")
