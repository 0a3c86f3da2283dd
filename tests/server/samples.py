"""Real good and bad image files for the server tests, made on the fly."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from tests.images import encode, noisy_image, smooth_image


def png(seed: int = 0, size: tuple[int, int] = (48, 40)) -> bytes:
    return encode(smooth_image(seed, size), "PNG")


def jpeg(seed: int = 0, size: tuple[int, int] = (48, 40), **options) -> bytes:
    return encode(noisy_image(seed, size), "JPEG", quality=90, **options)


def truncated_jpeg() -> bytes:
    data = jpeg(1, (96, 80))
    return data[: len(data) // 2]


def cmyk_jpeg() -> bytes:
    return encode(noisy_image(2, (48, 40)).convert("CMYK"), "JPEG", quality=90)


def webp() -> bytes:
    return encode(smooth_image(3, (48, 40)), "WEBP", lossless=True)


def tiff() -> bytes:
    return encode(smooth_image(4, (16, 16)), "TIFF")


def animated_gif(frames: int = 5, size: tuple[int, int] = (40, 32)) -> bytes:
    images = [smooth_image(i, size).convert("P") for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=50, loop=0)
    return out.getvalue()


def first_frame_png(gif: bytes) -> bytes:
    """The first frame of a GIF as a PNG (what the model should see)."""
    with Image.open(io.BytesIO(gif)) as image:
        return encode(image.convert("RGB"), "PNG")


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
PSD = b"8BPS\x00\x01" + b"\x00" * 40
TEXT = b"This is plain text, not an image.\n" * 4


def _chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(side: int = 10_000) -> bytes:
    """A valid grey PNG of ``side`` x ``side`` black pixels: ~100 KB that decode to 100 MB."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + pixels
    parts = [compressor.compress(row) for _ in range(side)]
    idat = b"".join(parts) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def png_huge_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims a huge size over a few bytes of data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def jpeg_huge_header(side: int = 60_000) -> bytes:
    """A small JPEG whose SOF marker is patched to claim ``side`` x ``side`` pixels."""
    data = bytearray(jpeg(5))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", side, side)
    return bytes(data)


def jpeg_many_scans(scans: int = 150) -> bytes:
    """A JPEG padded with extra SOS markers (the header still reads as a JPEG)."""
    data = jpeg(6)
    return data[:-2] + b"\xff\xda\x00\x02" * scans + b"\xff\xd9"


def jpeg_many_segments(count: int = 200_000) -> bytes:
    """A JPEG with a huge number of tiny comment segments before its frame header."""
    data = jpeg(7)
    return data[:2] + b"\xff\xfe\x00\x02" * count + data[2:]


def png_many_chunks(count: int = 200_000) -> bytes:
    """A PNG with a huge number of empty ancillary chunks before its image data."""
    data = png(8)
    ihdr_end = 8 + 25
    return data[:ihdr_end] + _chunk(b"tEXt", b"") * count + data[ihdr_end:]


def gif_many_frames(count: int = 300_000) -> bytes:
    """A GIF of ``count`` 1 x 1 frames (a few bytes each)."""
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return header + frame * count + b"\x3b"


def gif_fragmented(count: int = 2_000_000) -> bytes:
    """A one-frame GIF whose comment is split into ``count`` one-byte sub-blocks."""
    data = animated_gif(1)
    comment = b"\x21\xfe" + b"\x01x" * count + b"\x00"
    return data[:-1] + comment + data[-1:]


def bad_images() -> list:
    """Bad image bodies every layer must refuse: ``pytest.param(data, status, slug, id=...)``."""
    import pytest

    cases = [
        ("zero", b"", 400, "empty-body"),
        ("text", TEXT, 400, "not-an-image"),
        ("truncated", truncated_jpeg(), 400, "corrupt-image"),
        ("bomb", png_bomb(), 422, "too-many-pixels"),
        ("png-header", png_huge_header(), 422, "too-many-pixels"),
        ("jpeg-header", jpeg_huge_header(), 422, "too-many-pixels"),
        ("svg", SVG, 415, "unsupported-image-format"),
        ("psd", PSD, 415, "unsupported-image-format"),
    ]
    return [pytest.param(data, status, slug, id=name) for name, data, status, slug in cases]
