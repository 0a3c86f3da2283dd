"""Header parsing has a bounded cost: files made of millions of tiny parts are refused fast."""

from __future__ import annotations

import time

import pytest

from aiorhuman.server import images, structure
from aiorhuman.server.problems import Problem
from tests.server import samples

LIMITS = images.Limits(max_pixels=40_000_000, max_frames=1000)


@pytest.mark.parametrize(
    ("maker", "slug"),
    [
        (samples.jpeg_many_segments, "too-costly"),
        (samples.png_many_chunks, "too-costly"),
        (samples.gif_many_frames, "too-many-frames"),
        (samples.gif_fragmented, "too-costly"),
    ],
)
def test_pathological_files_are_refused_quickly(maker, slug):
    data = maker()
    start = time.perf_counter()
    with pytest.raises(Problem) as caught:
        images.inspect(data, LIMITS)
    assert caught.value.slug == slug
    assert time.perf_counter() - start < 0.5


def test_real_files_pass_the_walks():
    structure.check_jpeg(samples.jpeg())
    structure.check_jpeg(samples.cmyk_jpeg())
    structure.check_png(samples.png())
    assert structure.gif_frames(samples.animated_gif(7), 1000) == 7
    assert structure.gif_frames(samples.animated_gif(7), 3) == 4  # counting stops early
    assert images.inspect(samples.animated_gif(7), LIMITS).frames == 7
