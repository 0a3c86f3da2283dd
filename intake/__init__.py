"""The image intake: every Python client's one way from untrusted bytes to model input.

    from aiorhuman.intake import ImageRefused, Limits, inspect, to_model_bytes

    info = inspect(data, Limits(max_pixels=40_000_000, max_frames=1000))  # header only
    model_bytes = to_model_bytes(data, info)  # the original, or a PNG of the first frame

- ``sniff(data)``: the format from the first bytes (JPEG, PNG, GIF, BMP, WEBP, AVIF, HEIF,
  TIFF) or None; never from a file name or a Content-Type.
- ``inspect(data, limits) -> Inspected`` (format, width, height, frames, pixels,
  needs_transcode): checks the header against the limits before any pixel is decoded, after
  bounded walks over the file's structure (pixel, frame and parsing bombs refused).
- ``decode(data, info) -> PIL.Image``: the first frame, EXIF-rotated, RGB or RGBA.
- ``to_model_bytes(data, info)``: JPEG, PNG, GIF and BMP as they are (the SavedModel decodes
  them, as in training); WebP (first frame), AVIF, HEIC/HEIF, TIFF (first page) and animated
  GIFs as a PNG of the decoded first frame. ``to_png`` always transcodes; ``prepare`` is
  ``inspect`` then ``to_model_bytes``.
- ``ImageRefused``: ``kind`` (see ``STATUSES``), ``status`` (the HTTP status it maps to),
  ``message`` and ``limit``.
"""

from aiorhuman.intake.decode import decode, prepare, to_model_bytes, to_png
from aiorhuman.intake.errors import STATUSES, ImageRefused
from aiorhuman.intake.header import FORMATS, MODEL_FORMATS, Inspected, Limits, inspect
from aiorhuman.intake.sniff import sniff

__all__ = [
    "FORMATS",
    "MODEL_FORMATS",
    "STATUSES",
    "ImageRefused",
    "Inspected",
    "Limits",
    "decode",
    "inspect",
    "prepare",
    "sniff",
    "to_model_bytes",
    "to_png",
]
