"""Cheap walks over an image's structure, so that reading its header has a bounded cost.

Pillow parses headers in Python, one JPEG segment, PNG chunk, GIF block or TIFF directory at
a time: a 20 MB file made of millions of tiny parts keeps a thread busy for seconds before any
pixel is decoded. These walks count them first and stop at a bound (``too-costly`` beyond).
"""

from __future__ import annotations

import re

from aiorhuman.intake.errors import ImageRefused

# JPEG segments and PNG chunks outside the pixel data: real files have < 50 (a progressive
# JPEG adds a few per scan).
MAX_SEGMENTS = 1000
# A progressive JPEG with thousands of scans takes minutes to decode; real ones have < 20.
MAX_JPEG_SCANS = 100
# GIF data sub-blocks: encoders write 255-byte blocks, so real files stay far below this.
GIF_BLOCK_BYTES = 128
# The end of a JPEG scan's entropy-coded data: a marker other than a stuffed zero, a restart
# marker or a fill byte.
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _too_costly(what: str, limit: int) -> ImageRefused:
    return ImageRefused(
        "too-costly", f"The image is split into too many {what} to read cheaply.", limit
    )


def jpeg_scans(data: bytes) -> int:
    """Walk a JPEG's segments and scans up to its end-of-image marker; count the scans.

    Only markers are walked: the entropy-coded data of each scan is skipped in one search,
    and metadata payloads (EXIF thumbnails) and data after the end of the image (motion
    photos' videos) are never read as markers. Refuses more than ``MAX_SEGMENTS`` segments
    or ``MAX_JPEG_SCANS`` scans.
    """
    pos, steps, scans = 2, 0, 0
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        steps += 1
        if steps > MAX_SEGMENTS:
            raise _too_costly("JPEG segments", MAX_SEGMENTS)
        marker = data[pos + 1]
        if marker == 0xD9:  # end of image
            break
        if marker == 0xFF:  # a fill byte
            pos += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker in (0x00, 0x01):  # markers without a length
            pos += 2
            continue
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # start of scan: its header, then entropy-coded data
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise ImageRefused(
                    "too-costly", f"The JPEG has more than {MAX_JPEG_SCANS} scans.", MAX_JPEG_SCANS
                )
            end = _SCAN_END.search(data, pos)
            if end is None:
                break
            pos = end.start()
    return scans


def check_png(data: bytes) -> None:
    """Walk the PNG chunks up to the image data; refuse more than ``MAX_SEGMENTS``."""
    pos, steps = 8, 0
    while pos + 8 <= len(data):
        steps += 1
        if steps > MAX_SEGMENTS:
            raise _too_costly("PNG chunks", MAX_SEGMENTS)
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
                raise _too_costly("GIF blocks", budget)
            size = data[pos]
            pos += 1 + size
            if size == 0:
                break
    return frames


def tiff_frames(data: bytes, limit: int) -> int:
    """Pages (image file directories) of a TIFF or BigTIFF, counted up to ``limit + 1``.

    A directory chain that loops or leaves the file ends the count.
    """
    order = "little" if data[:2] == b"II" else "big"
    big = int.from_bytes(data[2:4], order) == 43
    count_size, entry_size, offset_size = (8, 20, 8) if big else (2, 12, 4)
    offset = int.from_bytes(data[8:16] if big else data[4:8], order)
    seen: set[int] = set()
    while 0 < offset <= len(data) - count_size and offset not in seen and len(seen) <= limit:
        seen.add(offset)
        entries = int.from_bytes(data[offset : offset + count_size], order)
        link = offset + count_size + entries * entry_size
        offset = int.from_bytes(data[link : link + offset_size], order)
    return len(seen)
