"""The format of encoded bytes, read from their first bytes, never from a name or a header."""

from __future__ import annotations

from aiorhuman.intake.errors import ImageRefused

# ISO base media (HEIF family) brands: the major brand at 8..12, compatible ones after it.
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_SVG_MARKERS = (b"<svg", b"<!doctype svg")
_UNSUPPORTED = (  # (offset, magic, name): recognised images the intake refuses
    (0, b"8BPS", "PSD"),
    (0, b"\x00\x00\x01\x00", "ICO"),
    (0, b"%PDF", "PDF"),
    (0, b"\xff\x4f\xff\x51", "JPEG 2000"),
    (4, b"jP  ", "JPEG 2000"),
    (0, b"\xff\x0a", "JPEG XL"),
    (4, b"JXL ", "JPEG XL"),
)


def _iso_brands(data: bytes) -> set[bytes]:
    """The major and compatible brands of an ISO base media ``ftyp`` box, if it starts here."""
    if data[4:8] != b"ftyp":
        return set()
    size = min(int.from_bytes(data[:4], "big"), 256, len(data))
    return {data[8:12]} | {data[i : i + 4] for i in range(16, size - 3, 4)}


def sniff(data: bytes) -> str | None:
    """A Pillow format name (``JPEG``, ``PNG``, ``GIF``, ``BMP``, ``WEBP``, ``AVIF``, ``HEIF``,
    ``TIFF``) for the bytes, or None when they are not an image.

    Raises ``ImageRefused`` (``unsupported-format``) for images of other formats (SVG, PSD,
    ICO, PDF, JPEG 2000, JPEG XL).
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
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    brands = _iso_brands(data)
    if brands & _AVIF_BRANDS:
        return "AVIF"
    if brands & _HEIF_BRANDS:
        return "HEIF"
    for offset, magic, name in _UNSUPPORTED:
        if head[offset : offset + len(magic)] == magic:
            raise ImageRefused("unsupported-format", f"{name} images are not supported.")
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and any(marker in text for marker in _SVG_MARKERS):
        raise ImageRefused("unsupported-format", "SVG is not supported: send a raster image.")
    return None
