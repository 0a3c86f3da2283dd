"""Aligned pairs: cached TAEF2 reconstructions of human training images, added as AI."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aiorhuman.training.data import Sample
from aiorhuman.training.pairs import pair_samples

TAEF2 = Path(__file__).resolve().parents[3] / "shared" / "models" / "taef2"


def _samples(folder: Path) -> list[Sample]:
    folder.mkdir(parents=True, exist_ok=True)
    samples = []
    for i, label in enumerate((0, 0, 1)):
        path = folder / f"{i}.jpg"
        Image.new("RGB", (24, 16), (40 * i, 80, 120)).save(path)
        samples.append(Sample(path, label, f"train_data/{i}.jpg"))
    return samples


def test_pairs_are_the_cached_reconstructions_of_human_training_images(tmp_path):
    train = _samples(tmp_path / "data")
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ("0.jpg", "2.jpg", "9.jpg"):  # 2: an AI image; 9: not in this run's train split
        (cache / name).write_bytes(b"x")
    pairs = pair_samples(cache, train, tmp_path / "pairs.json")
    assert [(p.path.name, p.label, p.key) for p in pairs] == [("0.jpg", 1, "pair:train_data/0.jpg")]
    # A resumed run keeps its recorded pairs, however the cache has grown.
    (cache / "1.jpg").write_bytes(b"x")
    assert pair_samples(cache, train, tmp_path / "pairs.json") == pairs
    assert json.loads((tmp_path / "pairs.json").read_text())["originals"] == ["0.jpg"]


@pytest.mark.skipif(not TAEF2.is_dir(), reason=f"TAEF2 weights not found under {TAEF2}")
def test_reconstruct_writes_each_training_human_once(tmp_path):
    from aiorhuman.training.reconstruct import reconstruct_files

    photo = Image.open(TAEF2 / "reference" / "input.png").convert("RGB")
    paths = []
    for i, box in enumerate([(0, 0, 44, 36), (100, 120, 164, 168)]):
        paths.append(tmp_path / f"{i}.jpg")
        photo.crop(box).save(paths[-1], quality=90)
    first = reconstruct_files(paths, tmp_path / "cache", TAEF2)
    assert first["written"] == 2 and first["images_per_second"] > 0
    out = np.asarray(Image.open(tmp_path / "cache" / "0.jpg"))
    assert out.shape == (32, 40, 3)  # cropped to multiples of 8
    assert reconstruct_files(paths, tmp_path / "cache", TAEF2)["written"] == 0


def test_reconstructing_a_whole_dataset_takes_every_human_image_and_no_ai_image(tmp_path):
    from aiorhuman.training.reconstruct import dataset_humans

    samples = _samples(tmp_path / "data" / "train_data")
    rows = [f"{i},{s.key},{s.label}" for i, s in enumerate(samples)]
    (tmp_path / "data" / "train.csv").write_text(",file_name,label\n" + "\n".join(rows) + "\n")
    humans = dataset_humans(str(tmp_path / "data"))
    assert sorted(p.name for p in humans) == ["0.jpg", "1.jpg"]
