"""Web degradations of an encoded image: the ways the web re-delivers a picture.

Each takes encoded bytes and returns new encoded bytes, so that runs and bundles are scored
through exactly their own decoding path.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageOps


def _open_rgb(data: bytes) -> Image.Image:
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(quality: int) -> Callable[[bytes], bytes]:
    """Re-encode as JPEG at ``quality``."""

    def apply(data: bytes) -> bytes:
        buffer = io.BytesIO()
        _open_rgb(data).save(buffer, "JPEG", quality=quality)
        return buffer.getvalue()

    return apply


def half_size(data: bytes) -> bytes:
    """Downscale to half the width and height (antialiased), stored losslessly."""
    image = _open_rgb(data)
    size = (max(1, round(image.width / 2)), max(1, round(image.height / 2)))
    return _png(image.resize(size, Image.LANCZOS))


def half_size_then_jpeg(quality: int) -> Callable[[bytes], bytes]:
    """Half size, then re-encoded as JPEG at ``quality``: a resized copy saved for the web."""
    encode = jpeg(quality)

    def apply(data: bytes) -> bytes:
        return encode(half_size(data))

    return apply


def _largest_crop(image: Image.Image, aspect: tuple[int, int]) -> tuple[int, int]:
    """Width and height of the largest ``aspect`` (width, height) crop of ``image``."""
    target = aspect[0] / aspect[1]
    if image.width / image.height > target:
        return max(1, round(image.height * target)), image.height
    return image.width, max(1, round(image.width / target))


def crop_to_aspect(width: int, height: int) -> Callable[[bytes], bytes]:
    """Crop the centre to a ``width:height`` aspect ratio (landscape as given)."""

    def apply(data: bytes) -> bytes:
        image = _open_rgb(data)
        new_w, new_h = _largest_crop(image, (width, height))
        left, top = (image.width - new_w) // 2, (image.height - new_h) // 2
        return _png(image.crop((left, top, left + new_w, top + new_h)))

    return apply


# Aspect ratios (width, height) that pages and feeds crop pictures to.
WEB_ASPECTS = ((1, 1), (4, 3), (3, 4), (3, 2), (2, 3), (16, 9), (4, 5))


def _crop_at(image: Image.Image, aspect: tuple[int, int], x: float, y: float) -> Image.Image:
    """The largest ``aspect`` crop of ``image``, its free offset at fractions ``x``, ``y``."""
    new_w, new_h = _largest_crop(image, aspect)
    left, top = round((image.width - new_w) * x), round((image.height - new_h) * y)
    return image.crop((left, top, left + new_w, top + new_h))


DEGRADATIONS: dict[str, Callable[[bytes], bytes]] = {
    "jpeg_q60": jpeg(60),
    "jpeg_q40": jpeg(40),
    "half_size": half_size,
    "crop_4_3": crop_to_aspect(4, 3),
    "crop_square": crop_to_aspect(1, 1),
    "half_size_jpeg_q40": half_size_then_jpeg(40),
}


def random_web_copy(
    data: bytes,
    rng: random.Random,
    jpeg_probability: float = 0.9,
    jpeg_quality: tuple[int, int] = (30, 95),
    rescale_probability: float = 0.5,
    rescale_range: tuple[float, float] = (0.4, 1.0),
    crop_probability: float = 0.0,
) -> bytes:
    """A copy of an encoded image as the web might re-deliver it, at full resolution.

    Maybe cropped to a common web aspect ratio (the largest such crop, at a random offset),
    maybe downscaled (antialiased, then stored losslessly), maybe re-encoded as JPEG, maybe
    returned as it was.
    Unlike augmentation of the 224 px model input, the damage happens before the resize to the
    model's input, as it does on the web, so its effect on the texture statistics is the real one.
    With ``crop_probability`` 0 no crop is drawn, and the random stream is that of no crops.
    """
    rescale = rng.random() < rescale_probability
    factor = rng.uniform(*rescale_range)
    quality = rng.randint(*jpeg_quality) if rng.random() < jpeg_probability else None
    crop = None
    if crop_probability > 0 and rng.random() < crop_probability:
        crop = rng.choice(WEB_ASPECTS), rng.random(), rng.random()
    if not rescale and quality is None and crop is None:
        return data
    image = _open_rgb(data)
    if crop is not None:
        image = _crop_at(image, *crop)
    if rescale:
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        image = image.resize(size, Image.LANCZOS)
    if quality is None:
        return _png(image)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
