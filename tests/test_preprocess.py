"""The preprocessing definition against Pillow on real encoded images."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageOps

from aiorhuman.bundle.preprocess import (
    decode_image,
    exif_orientation,
    preprocess_bytes,
    sniff_format,
)
from tests.images import encode, noisy_image


def _pillow_rgb(data: bytes) -> np.ndarray:
    import io

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("RGB"), dtype=int)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(noisy_image(orientation, (50, 30)), "JPEG", quality=95, exif=exif)
    assert int(exif_orientation(tf.constant(data))) == orientation
    ours = decode_image(tf.constant(data)).numpy().astype(int)
    assert ours.shape == _pillow_rgb(data).shape
    assert np.abs(ours - _pillow_rgb(data)).max() <= 1


def test_jpeg_without_exif_is_upright():
    data = encode(noisy_image(1), "JPEG")
    assert int(exif_orientation(tf.constant(data))) == 1


@pytest.mark.parametrize(
    "fmt, mode",
    [
        ("PNG", "RGBA"),
        ("PNG", "L"),
        ("PNG", "P"),
        ("GIF", "P"),
        ("BMP", "RGB"),
        ("JPEG", "CMYK"),
        ("JPEG", "L"),
    ],
)
def test_formats_and_modes_match_pillow(fmt, mode):
    image = noisy_image(3, (40, 28))
    if mode == "RGBA":
        alpha = Image.linear_gradient("L").resize(image.size)
        image = image.copy()
        image.putalpha(alpha)
    else:
        image = image.convert(mode)
    data = encode(image, fmt)
    ours = decode_image(tf.constant(data)).numpy().astype(int)
    # CMYK JPEG colour conversion differs slightly between libjpeg builds.
    tolerance = 3 if mode == "CMYK" else 1
    assert np.abs(ours - _pillow_rgb(data)).max() <= tolerance


def test_transparent_pixels_become_white():
    image = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    ours = decode_image(tf.constant(encode(image, "PNG"))).numpy()
    assert (ours == 255).all()


def test_animated_gif_uses_first_frame():
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 0, 255))]
    import io

    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    ours = decode_image(tf.constant(buffer.getvalue())).numpy()
    assert ours.shape == (16, 16, 3)
    assert ours[..., 0].mean() > 200 and ours[..., 2].mean() < 50


def test_short_side_resize_then_centre_crop_keeps_aspect_ratio():
    # Left third red, middle third green, right third blue, 3:1. A squash would keep all three
    # colours; the centre crop of the short-side resize must be green only.
    strip = np.zeros((30, 90, 3), np.uint8)
    strip[:, :30, 0] = strip[:, 30:60, 1] = strip[:, 60:, 2] = 255
    pixels = preprocess_bytes(tf.constant(encode(Image.fromarray(strip), "PNG")), 24).numpy()
    assert pixels.shape == (24, 24, 3)
    inner = pixels[:, 1:-1]  # the outermost columns blend with the neighbours (antialiasing)
    assert inner[..., 1].min() > 250 and inner[..., 0].max() < 5 and inner[..., 2].max() < 5


def test_small_images_are_upscaled_and_values_stay_in_range():
    pixels = preprocess_bytes(tf.constant(encode(noisy_image(0, (10, 7)), "PNG")), 32).numpy()
    assert pixels.shape == (32, 32, 3)
    assert pixels.min() >= 0 and pixels.max() <= 255


def test_sniffing_uses_content_not_names():
    assert int(sniff_format(tf.constant(encode(noisy_image(0), "PNG")))) == 1
    assert int(sniff_format(tf.constant(b"<svg xmlns='http://www.w3.org/2000/svg'/>"))) == -1


@pytest.mark.parametrize("data", [b"", b"hello, world", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20])
def test_garbage_is_refused(data):
    with pytest.raises(tf.errors.InvalidArgumentError):
        decode_image(tf.constant(data))


def test_truncated_jpeg_is_refused():
    data = encode(noisy_image(0, (64, 64)), "JPEG")
    with pytest.raises(tf.errors.InvalidArgumentError):
        decode_image(tf.constant(data[: len(data) // 3]))
