"""What an image will cost, read from its header without decoding a pixel.

HEIC/HEIF is read by pillow-heif, registered here as a Pillow plugin; WebP, AVIF and TIFF by
Pillow itself.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image

from aiorhuman.intake import structure
from aiorhuman.intake.errors import ImageRefused
from aiorhuman.intake.sniff import sniff

# Decoded by the SavedModel itself (TensorFlow's decode_image); the rest is decoded by Pillow.
MODEL_FORMATS = ("JPEG", "PNG", "GIF", "BMP")
FORMATS = (*MODEL_FORMATS, "WEBP", "AVIF", "HEIF", "TIFF")
NAMES = "JPEG, PNG, GIF, BMP, WebP, AVIF, HEIC/HEIF, TIFF"

pillow_heif.register_heif_opener()


@dataclass(frozen=True)
class Limits:
    """What one image may cost before it is decoded."""

    max_pixels: int = 40_000_000
    max_frames: int = 1000


@dataclass(frozen=True)
class Inspected:
    """What the header says about an image."""

    format: str
    width: int
    height: int
    frames: int

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def needs_transcode(self) -> bool:
        """True when Pillow, not the model, must decode it (animated GIFs included)."""
        return self.format not in MODEL_FORMATS or (self.format == "GIF" and self.frames > 1)


def _walk(fmt: str, data: bytes, limit: int) -> int | None:
    """The bounded walk that runs before Pillow reads a header; frames where it counts them.

    GIF and TIFF frames are counted here, so that Pillow's ``n_frames`` (which walks every
    frame in Python) is never asked for them.
    """
    if fmt == "JPEG":
        structure.jpeg_scans(data)
    elif fmt == "PNG":
        structure.check_png(data)
    elif fmt == "GIF":
        return structure.gif_frames(data, limit)
    elif fmt == "TIFF":
        return structure.tiff_frames(data, limit)
    return None


def _too_many_frames(limit: int) -> ImageRefused:
    # Frames are counted only up to the limit and one more: say no more than that.
    message = f"The image has more than {limit} frames; at most {limit} are read."
    return ImageRefused("too-many-frames", message, limit)


def open_image(data: bytes, fmt: str) -> Image.Image:
    """Open (header only) with the one Pillow plugin the content matched."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data), formats=[fmt])


def inspect(data: bytes, limits: Limits) -> Inspected:
    """Sniff an image and check its header against ``limits``; raise ``ImageRefused`` if not."""
    if not data:
        raise ImageRefused("empty", "The image is empty (zero bytes).")
    fmt = sniff(data)
    if fmt is None:
        raise ImageRefused("not-an-image", f"The bytes are not an image this reads ({NAMES}).")
    walked = _walk(fmt, data, limits.max_frames)
    if walked is not None and walked > limits.max_frames:
        raise _too_many_frames(limits.max_frames)
    try:
        with open_image(data, fmt) as image:
            width, height = image.size
            frames = max(walked, 1) if walked is not None else getattr(image, "n_frames", 1)
    except Image.DecompressionBombError:
        raise ImageRefused(
            "too-many-pixels", "The image has too many pixels.", limits.max_pixels
        ) from None
    except Exception:  # any parse error of untrusted bytes inside Pillow: not an image
        raise ImageRefused("corrupt", f"The {fmt} header cannot be read.") from None
    if width < 1 or height < 1:
        raise ImageRefused("corrupt", f"The {fmt} image has no pixels ({width} x {height}).")
    if width * height > limits.max_pixels:
        raise ImageRefused(
            "too-many-pixels",
            f"The image is {width} x {height} pixels; at most {limits.max_pixels} are read.",
            limits.max_pixels,
        )
    if frames > limits.max_frames:
        raise _too_many_frames(limits.max_frames)
    return Inspected(fmt, width, height, frames)
