"""Splits are deterministic per seed; a release fit trains on the test images and keeps the
validation images of the run that held them out."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiorhuman.training.config import TrainConfig
from aiorhuman.training.data import Sample
from aiorhuman.training.splits import split_samples


def _samples() -> list[Sample]:
    return [Sample(Path(f"{i}.png"), i % 2, f"{i}.png") for i in range(200)]


def _keys(part: list[Sample]) -> set[str]:
    return {s.key for s in part}


def test_the_test_split_joins_training_and_validation_is_unchanged():
    held_out = split_samples(TrainConfig(data="d", test_fraction=0.15), _samples())
    refit = split_samples(TrainConfig(data="d", test_fraction=0.15, train_on_test=True), _samples())
    train, val, test = held_out
    assert len(test) == 30 and not _keys(test) & (_keys(train) | _keys(val))
    assert _keys(refit[1]) == _keys(val)
    assert _keys(refit[0]) == _keys(train) | _keys(test) and refit[2] == []


def test_training_on_the_test_split_needs_one():
    with pytest.raises(ValueError, match="needs a test split"):
        split_samples(TrainConfig(data="d", train_on_test=True), _samples())
