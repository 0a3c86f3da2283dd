"""A real photo (scikit-image's ``chelsea``) encoded in every format the intake reads."""

from __future__ import annotations

import io
from collections.abc import Callable

import pillow_heif
from PIL import Image

from tests.images import encode


def photo(size: tuple[int, int] = (120, 80)) -> Image.Image:
    """A real camera photo, small enough for fast tests."""
    from skimage import data

    return Image.fromarray(data.chelsea()).resize(size, Image.LANCZOS)


def _frames(image: Image.Image) -> list[Image.Image]:
    return [image, image.rotate(90), image.transpose(Image.FLIP_LEFT_RIGHT)]


def _animated(image: Image.Image, fmt: str, **options) -> bytes:
    frames = _frames(image)
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=80, **options)
    return out.getvalue()


def _heic(image: Image.Image) -> bytes:
    out = io.BytesIO()
    pillow_heif.from_pillow(image).save(out, format="HEIF", quality=90)
    return out.getvalue()


# name -> (Pillow format the intake must sniff, encoder)
ENCODERS: dict[str, tuple[str, Callable[[Image.Image], bytes]]] = {
    "jpeg": ("JPEG", lambda im: encode(im, "JPEG", quality=92)),
    "png": ("PNG", lambda im: encode(im, "PNG")),
    "gif": ("GIF", lambda im: encode(im.convert("P"), "GIF")),
    "bmp": ("BMP", lambda im: encode(im, "BMP")),
    "webp": ("WEBP", lambda im: encode(im, "WEBP", quality=90)),
    "webp-lossless": ("WEBP", lambda im: encode(im, "WEBP", lossless=True)),
    "webp-animated": ("WEBP", lambda im: _animated(im, "WEBP", lossless=True)),
    "avif": ("AVIF", lambda im: encode(im, "AVIF", quality=90)),
    "heic": ("HEIF", _heic),
    "tiff": ("TIFF", lambda im: encode(im, "TIFF")),
    "tiff-pages": ("TIFF", lambda im: _animated(im, "TIFF")),
    "gif-animated": ("GIF", lambda im: _animated(im.convert("P"), "GIF", loop=0)),
}


def first_frame_png(data: bytes) -> bytes:
    """The first frame as Pillow decodes it, as a PNG: the same pixels, losslessly."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        return encode(image.convert("RGB"), "PNG")
