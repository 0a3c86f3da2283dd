"""Random web copies: full-resolution rescale and JPEG, as the texture head is fitted on."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image

from aiorhuman.training.degrade import random_web_copy
from tests.images import encode, noisy_image, write_kaggle_dataset


def _size_and_format(data: bytes) -> tuple[tuple[int, int], str]:
    image = Image.open(io.BytesIO(data))
    return image.size, image.format


def test_a_web_copy_is_rescaled_and_recompressed_as_asked():
    original = encode(noisy_image(1, (200, 120)), "PNG")
    rng = random.Random(0)
    size, fmt = _size_and_format(
        random_web_copy(original, rng, jpeg_probability=1, rescale_probability=0)
    )
    assert (size, fmt) == ((200, 120), "JPEG")
    size, fmt = _size_and_format(
        random_web_copy(
            original, rng, jpeg_probability=0, rescale_probability=1, rescale_range=(0.5, 0.5)
        )
    )
    assert (size, fmt) == ((100, 60), "PNG")
    assert random_web_copy(original, rng, jpeg_probability=0, rescale_probability=0) == original


def test_web_copies_are_reproducible_and_varied():
    original = encode(noisy_image(2, (160, 160)), "PNG")
    first = [random_web_copy(original, random.Random(3)) for _ in range(2)]
    assert first[0] == first[1]
    rng = random.Random(4)
    copies = {random_web_copy(original, rng) for _ in range(12)}
    assert len(copies) > 6


def test_web_copies_dataset_gives_every_sample_once_per_pass(tmp_path):
    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.pipeline import web_copies_dataset

    samples, _ = load_labelled(write_kaggle_dataset(tmp_path, per_class=3), check=False)
    batches = list(web_copies_dataset(samples, 32, 4, seed=1, passes=2))
    pixels = np.concatenate([x.numpy() for x, _ in batches])
    labels = np.concatenate([y.numpy() for _, y in batches])
    assert pixels.shape == (12, 32, 32, 3)
    assert pixels.min() >= 0 and pixels.max() <= 255
    np.testing.assert_array_equal(labels, np.tile([s.label for s in samples], 2))


def test_a_cropped_web_copy_has_a_web_aspect_ratio_and_keeps_the_pixels():
    from aiorhuman.training.degrade import WEB_ASPECTS

    image = noisy_image(5, (300, 200))
    original = encode(image, "PNG")
    rng = random.Random(6)
    aspects = set()
    for _ in range(20):
        copy = random_web_copy(
            original, rng, jpeg_probability=0, rescale_probability=0, crop_probability=1
        )
        cropped = Image.open(io.BytesIO(copy)).convert("RGB")
        w, h = cropped.size
        aspect = next(a for a in WEB_ASPECTS if abs(w / h - a[0] / a[1]) < 0.02)
        assert w == 300 or h == 200  # the largest crop of that aspect
        aspects.add(aspect)
        pixels = np.asarray(cropped)
        whole = np.asarray(image)
        found = [
            (x, y)
            for y in range(0, 200 - h + 1)
            for x in range(0, 300 - w + 1)
            if np.array_equal(whole[y, x : x + 3], pixels[0, :3])
            and np.array_equal(whole[y : y + h, x : x + w], pixels)
        ]
        assert found, "a crop is a lossless window of the original"
    assert len(aspects) >= 4


def test_half_size_then_jpeg_halves_and_recompresses():
    import io

    from PIL import Image

    from aiorhuman.training.degrade import DEGRADATIONS

    source = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 90)).save(source, "PNG")
    out = Image.open(io.BytesIO(DEGRADATIONS["half_size_jpeg_q40"](source.getvalue())))
    assert out.format == "JPEG" and out.size == (32, 24)
