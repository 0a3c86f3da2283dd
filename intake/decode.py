"""Decoding with Pillow: the first frame, upright, as pixels or as a PNG for the model."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from aiorhuman.intake.errors import ImageRefused
from aiorhuman.intake.header import Inspected, Limits, inspect, open_image


def decode(data: bytes, info: Inspected) -> Image.Image:
    """The first frame, EXIF orientation applied, in RGB, or RGBA when a pixel is transparent.

    GIFs are the exception: their transparent pixels become black, as in the model's own GIF
    decoder, so that a GIF scores the same whichever decodes it. Raises ``ImageRefused``
    (``corrupt``) if the image is corrupt or truncated.
    """
    try:
        with open_image(data, info.format) as image:
            image.seek(0)
            image.load()
            if info.format == "GIF":
                rgba = image.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (0, 0, 0))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                return flat
            upright = ImageOps.exif_transpose(image)
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            rgba = upright.convert("RGBA" if has_alpha else "RGB")
            opaque = has_alpha and rgba.getchannel("A").getextrema()[0] == 255
            return rgba.convert("RGB") if opaque else rgba
    except Exception:  # any decode error of untrusted bytes inside Pillow or a plugin
        raise ImageRefused("corrupt", f"The {info.format} image is corrupt or truncated.") from None


def to_png(data: bytes, info: Inspected) -> bytes:
    """``decode`` re-encoded as PNG (fast compression): what the model reads when it cannot
    read the original."""
    out = io.BytesIO()
    decode(data, info).save(out, "PNG", compress_level=1)
    return out.getvalue()


def to_model_bytes(data: bytes, info: Inspected) -> bytes:
    """The bytes to give the SavedModel: the original where it decodes them, else a PNG."""
    return to_png(data, info) if info.needs_transcode else data


def prepare(data: bytes, limits: Limits) -> bytes:
    """``inspect`` then ``to_model_bytes``: untrusted bytes in, model bytes out."""
    return to_model_bytes(data, inspect(data, limits))
