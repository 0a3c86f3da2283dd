"""Format sniffing, header checks before decoding, and transcoding."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from aiorhuman.server import images
from aiorhuman.server.problems import Problem
from tests.server import samples

LIMITS = images.Limits(max_pixels=40_000_000, max_frames=100)


def slug(data: bytes, limits: images.Limits = LIMITS) -> str:
    with pytest.raises(Problem) as caught:
        images.inspect(data, limits)
    return caught.value.slug


@pytest.mark.parametrize(
    ("maker", "fmt"),
    [
        (samples.png, "PNG"),
        (samples.jpeg, "JPEG"),
        (samples.cmyk_jpeg, "JPEG"),
        (samples.webp, "WEBP"),
        (samples.animated_gif, "GIF"),
    ],
)
def test_good_images_are_recognised_by_content(maker, fmt):
    info = images.inspect(maker(), LIMITS)
    assert info.format == fmt
    assert info.pixels > 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty-body"),
        (samples.TEXT, "not-an-image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "corrupt-image"),
        (samples.SVG, "unsupported-image-format"),
        (b"  \n<svg xmlns='http://www.w3.org/2000/svg'/>", "unsupported-image-format"),
        (samples.tiff(), "unsupported-image-format"),
        (samples.png_huge_header(), "too-many-pixels"),
        (samples.jpeg_huge_header(), "too-many-pixels"),
        (samples.jpeg_many_scans(), "too-costly"),
    ],
    ids=[
        "zero",
        "text",
        "bad-png",
        "svg",
        "svg-space",
        "tiff",
        "png-header",
        "jpeg-header",
        "scans",
    ],
)
def test_bad_inputs_are_refused_before_decoding(data, expected):
    assert slug(data) == expected


def test_png_bomb_is_refused_from_its_header():
    bomb = samples.png_bomb()
    assert len(bomb) < 200_000
    assert slug(bomb) == "too-many-pixels"


def test_frames_are_limited():
    assert slug(samples.animated_gif(6), images.Limits(10**7, 5)) == "too-many-frames"
    assert images.inspect(samples.animated_gif(5), images.Limits(10**7, 5)).frames == 5


def test_what_needs_transcoding():
    assert images.inspect(samples.webp(), LIMITS).needs_transcode
    assert images.inspect(samples.animated_gif(), LIMITS).needs_transcode
    assert not images.inspect(samples.png(), LIMITS).needs_transcode
    assert not images.inspect(samples.jpeg(), LIMITS).needs_transcode


def test_to_png_keeps_the_pixels_of_the_first_frame():
    gif = samples.animated_gif()
    out = images.to_png(gif, images.inspect(gif, LIMITS))
    expected = np.asarray(Image.open(io.BytesIO(samples.first_frame_png(gif))))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(out))), expected)
    webp = samples.webp()
    decoded = Image.open(io.BytesIO(images.to_png(webp, images.inspect(webp, LIMITS))))
    assert decoded.format == "PNG" and decoded.size == (48, 40)


def test_to_png_applies_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 clockwise to view
    data = samples.jpeg(size=(48, 40), exif=exif.tobytes())
    out = Image.open(io.BytesIO(images.to_png(data, images.inspect(data, LIMITS))))
    assert out.size == (40, 48)


def test_truncated_jpeg_passes_the_header_check_but_not_the_decode():
    data = samples.truncated_jpeg()
    info = images.inspect(data, LIMITS)
    with pytest.raises(Problem) as caught:
        images.to_png(data, info)
    assert caught.value.slug == "corrupt-image" and caught.value.status == 400
