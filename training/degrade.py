"""Web degradations of an encoded image: the ways the web re-delivers a picture.

Each takes encoded bytes and returns new encoded bytes, so that runs and bundles are scored
through exactly their own decoding path.
"""

from __future__ import annotations

import io
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


def crop_to_aspect(width: int, height: int) -> Callable[[bytes], bytes]:
    """Crop the centre to a ``width:height`` aspect ratio (landscape as given)."""

    def apply(data: bytes) -> bytes:
        image = _open_rgb(data)
        target = width / height
        if image.width / image.height > target:
            new_w, new_h = round(image.height * target), image.height
        else:
            new_w, new_h = image.width, round(image.width / target)
        left, top = (image.width - new_w) // 2, (image.height - new_h) // 2
        return _png(image.crop((left, top, left + new_w, top + new_h)))

    return apply


DEGRADATIONS: dict[str, Callable[[bytes], bytes]] = {
    "jpeg_q60": jpeg(60),
    "jpeg_q40": jpeg(40),
    "half_size": half_size,
    "crop_4_3": crop_to_aspect(4, 3),
    "crop_square": crop_to_aspect(1, 1),
}
