"""Source-balanced loss weights: their arithmetic, and that they reach the training batches."""

from pathlib import Path

import numpy as np
import pytest

from aiorhuman.training.balance import source_balanced_weights
from aiorhuman.training.data import Sample
from tests.images import smooth_image, write_folder_dataset


def _samples(groups: list[tuple[int, str, int]]) -> tuple[list[Sample], dict[str, str]]:
    samples, sources = [], {}
    for label, source, count in groups:
        for i in range(count):
            key = f"{source}-{label}-{i}"
            samples.append(Sample(Path(key), label, key))
            sources[key] = source
    return samples, sources


def test_power_one_weighs_every_source_of_a_label_equally():
    samples, sources = _samples([(1, "big", 6), (1, "small", 2), (0, "photos", 4)])
    weights = source_balanced_weights(samples, sources, power=1.0)
    big, small, photos = weights[:6], weights[6:8], weights[8:]
    assert big.sum() == pytest.approx(small.sum())
    assert weights[:8].sum() == pytest.approx(photos.sum()) == pytest.approx(len(samples) / 2)


def test_power_zero_is_plain_class_balance():
    samples, sources = _samples([(1, "big", 6), (1, "small", 2), (0, "photos", 4)])
    weights = source_balanced_weights(samples, sources, power=0.0)
    # Balanced class weights: n / (2 * n_label) for each image of a label.
    assert np.allclose(weights[:8], 12 / 16) and np.allclose(weights[8:], 12 / 8)


def test_half_power_lies_between_and_images_without_a_source_share_one_group():
    samples, sources = _samples([(1, "big", 9), (1, "small", 1), (0, "photos", 4)])
    del sources["photos-0-0"], sources["photos-0-1"]
    weights = source_balanced_weights(samples, sources, power=0.5)
    assert weights[9] / weights[0] == pytest.approx(3.0)  # sqrt(9 / 1)
    assert np.allclose(weights[10:], weights[10])  # two unknown, two "photos": 2 images each


def test_training_batches_carry_the_weights(tmp_path):
    from aiorhuman.training.augment import AugmentConfig
    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.pipeline import paired_training_dataset, training_dataset

    samples, _ = load_labelled(write_folder_dataset(tmp_path, per_class=3))
    weights = np.arange(1, len(samples) + 1, dtype=np.float32)
    batch_of = {
        make: next(iter(make(samples, 32, len(samples), AugmentConfig(), 0, weights)))
        for make in (training_dataset, paired_training_dataset)
    }
    pixels, labels, batch_weights = batch_of[training_dataset]
    assert pixels.shape == (len(samples), 32, 32, 3)
    assert sorted(batch_weights.numpy()) == sorted(weights)
    by_weight = {w: s.label for w, s in zip(weights, samples, strict=True)}
    assert [by_weight[w] for w in batch_weights.numpy()] == list(labels.numpy())
    (clean, web), _, paired_weights = batch_of[paired_training_dataset]
    assert clean.shape == web.shape and sorted(paired_weights.numpy()) == sorted(weights)


def test_weighing_sources_without_a_metadata_csv_says_what_is_missing(tmp_path):
    from aiorhuman.training.data import load_sources

    data = write_folder_dataset(tmp_path / "data", per_class=1)
    with pytest.raises(SystemExit, match=r"--source-balance needs a metadata\.csv"):
        load_sources(data, "--source-balance")
    (data / "metadata.csv").write_text("file_name,source\nai/a0.png,gen\nhuman/h0.jpg,camera\n")
    assert load_sources(data, "--source-balance") == {"ai/a0.png": "gen", "human/h0.jpg": "camera"}


def test_a_run_without_source_weighing_still_balances_its_classes(tmp_path):
    from aiorhuman.training.config import TrainConfig
    from aiorhuman.training.train import _Trainer

    data = write_folder_dataset(tmp_path / "data", per_class=4)
    for extra in (10, 11):  # 6 AI images against 4 human ones, and no metadata.csv
        smooth_image(extra, (40, 40)).save(data / "ai" / f"a{extra}.png")
    trainer = _Trainer(TrainConfig(data=str(data), val_fraction=0.0, input_size=32), tmp_path)
    labels = np.array([s.label for s in trainer.train])
    assert np.bincount(labels).tolist() == [4, 6]
    assert trainer.weights[labels == 0].sum() == pytest.approx(trainer.weights[labels == 1].sum())
