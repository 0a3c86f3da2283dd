"""Find the metadata blocks of a file: EXIF, XMP and PNG text, with bounded walks.

JPEG segments (APP1 ``Exif``/XMP), PNG chunks (``tEXt``/``zTXt``/``iTXt``/``eXIf``) and RIFF
chunks (WebP ``EXIF``/``XMP ``) are walked up to ``Limits.max_items``; any other file is
searched for an XMP packet. Nothing here raises: problems become ``errors`` entries.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from aiorhuman.provenance.limits import Budget, Limits

XMP_JPEG_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_PNG_KEYWORD = "XML:com.adobe.xmp"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Blocks:
    """The metadata blocks found in one file."""

    format: str | None = None
    exif: list[bytes] = field(default_factory=list)  # TIFF structures ("II*\0" or "MM\0*")
    xmp: list[str] = field(default_factory=list)
    png_text: list[tuple[str, str]] = field(default_factory=list)  # (keyword, text)
    png_header: bytes | None = None  # the IHDR chunk's 13 bytes
    png_idat: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of IDAT data
    errors: list[str] = field(default_factory=list)


def _is_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<svg", b"<?xml", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in head


def sniff(data: bytes) -> str | None:
    """The container: ``"jpeg"``, ``"png"``, ``"webp"``, ``"gif"``, ``"avif"``, ``"tiff"``,
    ``"svg"`` or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "avif"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if _is_svg(data):
        return "svg"
    return None


def find_blocks(data: bytes, limits: Limits, budget: Budget) -> Blocks:
    """Every EXIF, XMP and PNG text block in ``data`` (already cut to the scan limit)."""
    blocks = Blocks(format=sniff(data))
    walker = {"jpeg": _jpeg, "png": _png, "webp": _webp}.get(blocks.format or "")
    if walker is not None:
        walker(data, limits, budget, blocks)
    else:
        _scan_xmp(data, limits, blocks)
    return blocks


def _add_exif(payload: bytes, limits: Limits, blocks: Blocks) -> None:
    if payload.startswith(b"Exif\x00\x00"):
        payload = payload[6:]
    if len(payload) > limits.max_block_bytes:
        blocks.errors.append("EXIF block over the size limit: skipped")
    elif payload:
        blocks.exif.append(payload)


def _add_xmp(payload: bytes, limits: Limits, blocks: Blocks) -> None:
    if len(payload) > limits.max_block_bytes:
        blocks.errors.append("XMP packet over the size limit: skipped")
    else:
        blocks.xmp.append(payload.decode("utf-8", "replace"))


def _jpeg(data: bytes, limits: Limits, budget: Budget, blocks: Blocks) -> None:
    pos, steps = 2, 0
    while pos + 4 <= len(data):
        steps += 1
        if steps > limits.max_items or (steps % 64 == 0 and budget.expired()):
            blocks.errors.append("JPEG: too many segments or over the time limit")
            return
        if data[pos] != 0xFF:
            blocks.errors.append("JPEG: malformed segment structure")
            return
        marker = data[pos + 1]
        if marker in (0xDA, 0xD9):  # start of scan or end of image: metadata is over
            return
        if marker == 0xFF:
            pos += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker in (0x00, 0x01):
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > len(data):
            blocks.errors.append("JPEG: truncated segment")
            return
        payload = data[pos + 4 : end]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            _add_exif(payload, limits, blocks)
        elif marker == 0xE1 and payload.startswith(XMP_JPEG_HEADER):
            _add_xmp(payload[len(XMP_JPEG_HEADER) :], limits, blocks)
        pos = end


def _inflate(raw: bytes, limit: int) -> bytes | None:
    """zlib-decompressed bytes, or None when corrupt or larger than ``limit``."""
    try:
        inflater = zlib.decompressobj()
        out = inflater.decompress(raw, limit + 1)
    except zlib.error:
        return None
    return None if len(out) > limit or inflater.unconsumed_tail else out


def _png_text(kind: bytes, body: bytes, limits: Limits, blocks: Blocks) -> None:
    """Decode one tEXt, zTXt or iTXt chunk into ``blocks``."""
    keyword, sep, rest = body.partition(b"\x00")
    if not sep or not 1 <= len(keyword) <= 79:
        blocks.errors.append(f"PNG {kind.decode()}: malformed chunk")
        return
    name = keyword.decode("latin-1")
    if kind == b"tEXt":
        text = rest.decode("latin-1")
    elif kind == b"zTXt":
        raw = _inflate(rest[1:], limits.max_block_bytes) if rest[:1] == b"\x00" else None
        if raw is None:
            blocks.errors.append(f"PNG zTXt '{name}': corrupt or over the size limit")
            return
        text = raw.decode("latin-1")
    else:  # iTXt: flag, method, language\0, translated keyword\0, UTF-8 text
        if len(rest) < 2:
            blocks.errors.append(f"PNG iTXt '{name}': malformed chunk")
            return
        compressed, tail = rest[0], rest[2:]
        parts = tail.split(b"\x00", 2)
        if len(parts) < 3:
            blocks.errors.append(f"PNG iTXt '{name}': malformed chunk")
            return
        raw = parts[2]
        if compressed:
            inflated = _inflate(raw, limits.max_block_bytes)
            if inflated is None:
                blocks.errors.append(f"PNG iTXt '{name}': corrupt or over the size limit")
                return
            raw = inflated
        text = raw.decode("utf-8", "replace")
    if name == XMP_PNG_KEYWORD:
        blocks.xmp.append(text)
    else:
        blocks.png_text.append((name, text))


def _png(data: bytes, limits: Limits, budget: Budget, blocks: Blocks) -> None:
    pos, steps = 8, 0
    while pos + 8 <= len(data):
        steps += 1
        if steps > limits.max_items or (steps % 64 == 0 and budget.expired()):
            blocks.errors.append("PNG: too many chunks or over the time limit")
            return
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            blocks.errors.append("PNG: truncated chunk")
            return
        if kind in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
            if length > limits.max_block_bytes:
                blocks.errors.append(f"PNG {kind.decode()} chunk over the size limit: skipped")
            elif kind == b"eXIf":
                _add_exif(data[pos + 8 : pos + 8 + length], limits, blocks)
            else:
                _png_text(kind, data[pos + 8 : pos + 8 + length], limits, blocks)
        if kind == b"IHDR" and length == 13:
            blocks.png_header = data[pos + 8 : pos + 21]
        elif kind == b"IDAT":
            blocks.png_idat.append((pos + 8, pos + 8 + length))
        if kind == b"IEND":
            return
        pos = end


def _webp(data: bytes, limits: Limits, budget: Budget, blocks: Blocks) -> None:
    pos, steps = 12, 0
    while pos + 8 <= len(data):
        steps += 1
        if steps > limits.max_items or (steps % 64 == 0 and budget.expired()):
            blocks.errors.append("WebP: too many chunks or over the time limit")
            return
        kind = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        end = pos + 8 + length
        if end > len(data):
            blocks.errors.append("WebP: truncated chunk")
            return
        if kind == b"EXIF":
            _add_exif(data[pos + 8 : end], limits, blocks)
        elif kind == b"XMP ":
            _add_xmp(data[pos + 8 : end], limits, blocks)
        pos = end + (length & 1)


def _scan_xmp(data: bytes, limits: Limits, blocks: Blocks) -> None:
    """The first ``<x:xmpmeta ... </x:xmpmeta>`` packet anywhere in the bytes."""
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        return
    end = data.find(b"</x:xmpmeta>", start)
    if end < 0:
        blocks.errors.append("XMP: unterminated packet")
        return
    _add_xmp(data[start : end + len(b"</x:xmpmeta>")], limits, blocks)
