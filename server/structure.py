"""Cheap walks over an image's structure, so that reading its header has a bounded cost.

Pillow parses headers in Python, one JPEG segment, PNG chunk or GIF block at a time: a 20 MB
file made of millions of tiny segments keeps a thread busy for seconds before any pixel is
decoded. These walks count them first and stop at a bound (422 beyond it).
"""

from __future__ import annotations

from aiorhuman.server.problems import Problem

# JPEG segments before the first scan, PNG chunks before the image data: real files have < 50.
MAX_SEGMENTS = 1000
# GIF data sub-blocks: encoders write 255-byte blocks, so real files stay far below this.
GIF_BLOCK_BYTES = 128


def _too_costly(what: str) -> Problem:
    return Problem("too-costly", f"The image is split into too many {what} to read cheaply.")


def check_jpeg(data: bytes) -> None:
    """Walk the JPEG segments up to the first scan; refuse more than ``MAX_SEGMENTS``."""
    pos, steps = 2, 0
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        steps += 1
        if steps > MAX_SEGMENTS:
            raise _too_costly("JPEG segments")
        marker = data[pos + 1]
        if marker in (0xDA, 0xD9):  # start of scan, end of image: the header is over
            return
        if marker == 0xFF:  # a fill byte
            pos += 1
        elif 0xD0 <= marker <= 0xD7 or marker in (0x00, 0x01):  # markers without a length
            pos += 2
        else:
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")


def check_png(data: bytes) -> None:
    """Walk the PNG chunks up to the image data; refuse more than ``MAX_SEGMENTS``."""
    pos, steps = 8, 0
    while pos + 8 <= len(data):
        steps += 1
        if steps > MAX_SEGMENTS:
            raise _too_costly("PNG chunks")
        if data[pos + 4 : pos + 8] in (b"IDAT", b"IEND"):
            return
        pos += 12 + int.from_bytes(data[pos : pos + 4], "big")


def gif_frames(data: bytes, limit: int) -> int:
    """Frames of a GIF, counted up to ``limit + 1`` (enough to refuse it)."""
    budget = 4096 + len(data) // GIF_BLOCK_BYTES
    pos, frames, steps = 13, 0, 0
    if len(data) > 10 and data[10] & 0x80:  # global colour table
        pos += 3 << ((data[10] & 7) + 1)
    while pos < len(data) and frames <= limit:
        block = data[pos]
        if block == 0x2C:  # image descriptor, optional local colour table, LZW code size
            frames += 1
            flags = data[pos + 9] if pos + 9 < len(data) else 0
            pos += 11 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0)
        elif block == 0x21:  # extension: introducer and label
            pos += 2
        else:  # trailer, or bytes that are not GIF blocks: the decoders judge those
            break
        while pos < len(data):  # data sub-blocks, ended by an empty one
            steps += 1
            if steps > budget:
                raise _too_costly("GIF blocks")
            size = data[pos]
            pos += 1 + size
            if size == 0:
                break
    return frames
