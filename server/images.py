"""Untrusted image bytes: sniff the format from the content, check the header, transcode.

Everything here runs before the model sees the bytes. Pillow reads only the header to get
the size and frame count, so decompression bombs are refused (422) before any decode. JPEG,
PNG, GIF and BMP go to the model as they are (its graph decodes them); WebP and AVIF, and
animated GIFs, are decoded here (first frame only) and handed over as PNG.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from aiorhuman.server import structure
from aiorhuman.server.problems import Problem

MODEL_FORMATS = ("JPEG", "PNG", "GIF", "BMP")  # decoded by the SavedModel itself
PILLOW_FORMATS = ("WEBP", "AVIF")  # decoded by Pillow, then given to the model as PNG
# A progressive JPEG with thousands of scans takes minutes to decode; real ones have < 20.
MAX_JPEG_SCANS = 100

_SVG_MARKERS = (b"<svg", b"<!doctype svg")
_UNSUPPORTED = (  # (offset, magic, name): recognised images this server refuses with 415
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"8BPS", "PSD"),
    (0, b"\x00\x00\x01\x00", "ICO"),
    (0, b"%PDF", "PDF"),
    (0, b"\xff\x4f\xff\x51", "JPEG 2000"),
    (4, b"jP  ", "JPEG 2000"),
    (0, b"\xff\x0a", "JPEG XL"),
    (4, b"JXL ", "JPEG XL"),
    (4, b"ftypheic", "HEIC"),
    (4, b"ftypheix", "HEIC"),
    (4, b"ftypmif1", "HEIF"),
)


# Bounded walks before Pillow reads a header (see server/structure.py).
_PRECHECKS = {"JPEG": structure.check_jpeg, "PNG": structure.check_png}


@dataclass(frozen=True)
class Limits:
    """What an image may cost before it is decoded."""

    max_pixels: int
    max_frames: int


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
        """True when Pillow, not the model, must decode it."""
        return self.format in PILLOW_FORMATS or (self.format == "GIF" and self.frames > 1)


def sniff(data: bytes) -> str | None:
    """The format of encoded bytes, from their first bytes: a Pillow format name or None.

    Raises ``Problem`` (415) for formats that are images but not supported here.
    """
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head.startswith(b"BM"):
        return "BMP"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return "AVIF"
    for offset, magic, name in _UNSUPPORTED:
        if head[offset : offset + len(magic)] == magic:
            raise Problem("unsupported-image-format", f"{name} images are not supported.")
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and any(marker in text for marker in _SVG_MARKERS):
        raise Problem("unsupported-image-format", "SVG is not supported: send a raster image.")
    return None


def _open(data: bytes, fmt: str) -> Image.Image:
    """Open (header only) with the one Pillow plugin the content matched."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data), formats=[fmt])


def inspect(data: bytes, limits: Limits) -> Inspected:
    """Sniff and check an image's header against the limits, without decoding its pixels."""
    if not data:
        raise Problem("empty-body", "The image is empty (zero bytes).")
    fmt = sniff(data)
    if fmt is None:
        raise Problem(
            "not-an-image",
            "The bytes are not an image this server reads (JPEG, PNG, GIF, BMP, WebP, AVIF).",
        )
    _PRECHECKS.get(fmt, lambda _: None)(data)
    # Pillow's n_frames walks every GIF frame in Python; this walk stops past the limit.
    gif_frames = structure.gif_frames(data, limits.max_frames) if fmt == "GIF" else None
    try:
        with _open(data, fmt) as image:
            width, height = image.size
            frames = max(gif_frames, 1) if gif_frames is not None else getattr(image, "n_frames", 1)
    except Image.DecompressionBombError:
        raise Problem(
            "too-many-pixels", "The image has too many pixels.", limit=limits.max_pixels
        ) from None
    except Exception:  # any parse error of untrusted bytes inside Pillow: not an image
        raise Problem("corrupt-image", f"The {fmt} header cannot be read.") from None
    info = Inspected(fmt, width, height, frames)
    if width < 1 or height < 1:
        raise Problem("corrupt-image", f"The {fmt} image has no pixels ({width} x {height}).")
    if info.pixels > limits.max_pixels:
        raise Problem(
            "too-many-pixels",
            f"The image is {width} x {height} pixels; this server takes at most "
            f"{limits.max_pixels}.",
            limit=limits.max_pixels,
        )
    if frames > limits.max_frames:
        raise Problem(
            "too-many-frames",
            f"The image has {frames} frames; this server takes at most {limits.max_frames}.",
            limit=limits.max_frames,
        )
    if fmt == "JPEG" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise Problem(
            "too-costly",
            f"The JPEG has more than {MAX_JPEG_SCANS} scans.",
            limit=MAX_JPEG_SCANS,
        )
    return info


def to_png(data: bytes, info: Inspected) -> bytes:
    """Decode the first frame with Pillow and re-encode it as PNG for the model.

    EXIF orientation is applied and alpha kept (the model composites it on white), except for
    GIF, whose transparent pixels become black as in the model's own GIF decoder.
    Raises ``Problem`` (400) if the image is corrupt or truncated.
    """
    try:
        with _open(data, info.format) as image:
            image.seek(0)
            image.load()
            if info.format == "GIF":
                rgba = image.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (0, 0, 0))
                flat.paste(rgba, mask=rgba.getchannel("A"))
            else:
                flat = ImageOps.exif_transpose(image)
                has_alpha = flat.mode in ("RGBA", "LA", "PA") or "transparency" in flat.info
                flat = flat.convert("RGBA" if has_alpha else "RGB")
            out = io.BytesIO()
            flat.save(out, "PNG", compress_level=1)
    except Exception:  # any decode error of untrusted bytes inside Pillow
        raise Problem(
            "corrupt-image", f"The {info.format} image is corrupt or truncated."
        ) from None
    return out.getvalue()
