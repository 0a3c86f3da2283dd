"""Stable Diffusion web UI's "stealth" metadata: the generation parameters hidden in the low
bit of each alpha value of a PNG (the stealth-pnginfo extension, also in Forge and A1111 forks).

Bits are read column by column (x, then y), most significant first: the 15-byte signature
``stealth_pnginfo`` (text) or ``stealth_pngcomp`` (gzip), a 32-bit length in bits, the data.
Only 8-bit RGBA or grey+alpha PNGs, not interlaced, are read. The signature sits in the first
column when the image is at least 152 pixels high: those alpha values are rebuilt from the
first rows alone (a row's first pixel needs only the pixel above it), so images without the
signature cost one partial inflate; the full image is decoded only when the signature is there.
"""

from __future__ import annotations

import gzip
import io
import zlib

from aiorhuman.provenance.containers import Blocks
from aiorhuman.provenance.limits import Limits
from aiorhuman.provenance.png_text import generator, png_text_signal

SIGNATURES = {b"stealth_pnginfo": False, b"stealth_pngcomp": True}
SIGNATURE_BITS = 15 * 8
HEADER_BITS = SIGNATURE_BITS + 32
CHANNELS = {4: 2, 6: 4}  # PNG colour type: bytes per pixel at depth 8 (alpha last)


def _bits_to_bytes(bits) -> bytes:
    """Bits (0/1), most significant first, as bytes; a last partial byte is dropped."""
    import numpy as np

    bits = np.asarray(bits, dtype=np.uint8)
    return np.packbits(bits[: len(bits) - len(bits) % 8]).tobytes()


def _first_column_alpha(raw: bytes, rows: int, stride: int, bpp: int) -> list[int]:
    """The alpha values of pixel x=0 in the first ``rows`` rows of unfiltered scanlines."""
    alphas, above = [], bytes(bpp)
    for y in range(rows):
        kind, pixel = raw[y * stride], raw[y * stride + 1 : y * stride + 1 + bpp]
        # With no left neighbour, Up and Paeth predict the byte above, Average half of it.
        predict = {2: above, 3: bytes(b >> 1 for b in above), 4: above}.get(kind, bytes(bpp))
        above = bytes((p + q) & 0xFF for p, q in zip(pixel, predict, strict=True))
        alphas.append(above[-1])
    return alphas


def _alpha_bits(data: bytes, count: int) -> list[int]:
    """The first ``count`` alpha low bits, column by column, of the whole decoded image."""
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        alpha = np.asarray(image.getchannel("A"), dtype=np.uint8)
    height = alpha.shape[0]
    columns = -(-count // height)
    return alpha[:, :columns].T.reshape(-1)[:count] & 1


def stealth_signal(data: bytes, blocks: Blocks, limits: Limits) -> tuple[dict | None, list[str]]:
    """(the ``png-text`` signal of stealth metadata, or None; errors)."""
    header = blocks.png_header
    if header is None or not blocks.png_idat:
        return None, []
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour, interlace = header[8], header[9], header[12]
    bpp = CHANNELS.get(colour)
    if bpp is None or depth != 8 or interlace != 0 or not width or not height:
        return None, []
    if width * height > limits.max_stealth_pixels:
        return None, []
    stride = 1 + width * bpp
    rows = min(height, HEADER_BITS)
    try:
        inflater = zlib.decompressobj()
        raw = b""
        for start, end in blocks.png_idat:
            raw += inflater.decompress(data[start:end], rows * stride - len(raw))
            if len(raw) >= rows * stride:
                break
    except zlib.error:
        return None, []
    if len(raw) < rows * stride:
        return None, []
    first = [a & 1 for a in _first_column_alpha(raw, rows, stride, bpp)]
    if height < HEADER_BITS:
        try:
            first = _alpha_bits(data, HEADER_BITS)
        except Exception:  # Pillow's errors on untrusted bytes: no stealth metadata read
            return None, []
    signature = _bits_to_bytes(first[:SIGNATURE_BITS])
    if signature not in SIGNATURES:
        return None, []
    name = signature.decode()
    length = int.from_bytes(_bits_to_bytes(first[SIGNATURE_BITS:HEADER_BITS]), "big")
    failed = None, [f"PNG alpha channel '{name}': corrupt or over the size limit"]
    if length > 8 * limits.max_block_bytes or HEADER_BITS + length > width * height:
        return failed
    try:
        payload = _bits_to_bytes(_alpha_bits(data, HEADER_BITS + length)[HEADER_BITS:])
        if SIGNATURES[signature]:
            with gzip.GzipFile(fileobj=io.BytesIO(payload)) as unzipped:
                payload = unzipped.read(limits.max_block_bytes + 1)
    except Exception:  # a corrupt image or gzip stream
        return failed
    if len(payload) > limits.max_block_bytes:
        return failed
    text = payload.decode("utf-8", "replace")
    tool = generator("parameters", text)
    if tool is None:
        return None, []
    return png_text_signal(f"PNG alpha channel '{name}'", tool, text), []
