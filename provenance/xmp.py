"""IPTC digital source type in an XMP packet outside C2PA.

The packet is searched with regular expressions, never given to an XML parser (no entity
expansion, no external references). ``Iptc4xmpExt:DigitalSourceType`` is found as an
attribute (``="..."``), an element (``>...<``) or an ``rdf:resource`` reference.
"""

from __future__ import annotations

import re

from aiorhuman.provenance.text import clip, is_ai_type, is_camera_type, short_type

_PATTERNS = (
    re.compile(r'Iptc4xmpExt:DigitalSourceType\s*=\s*["\']([^"\']*)["\']'),
    re.compile(r'<Iptc4xmpExt:DigitalSourceType[^>]*?rdf:resource\s*=\s*["\']([^"\']*)["\']'),
    re.compile(r"<Iptc4xmpExt:DigitalSourceType\s*>\s*([^<]*?)\s*<"),
)


def digital_source_type(packet: str) -> str | None:
    """The packet's first non-empty digital source type, or None."""
    found = []
    for pattern in _PATTERNS:
        match = pattern.search(packet)
        if match and match.group(1).strip():
            found.append((match.start(), match.group(1).strip()))
    return min(found)[1] if found else None


def xmp_signal(packets: list[str]) -> dict | None:
    """The ``xmp`` signal of the first packet that names a digital source type."""
    for packet in packets:
        value = digital_source_type(packet)
        if value is None:
            continue
        ai = is_ai_type(value)
        return {
            "kind": "xmp",
            "source": "XMP Iptc4xmpExt:DigitalSourceType",
            "indicates": "ai" if ai else "camera" if is_camera_type(value) else "unknown",
            "decisive": ai,
            "detail": clip(f"digitalSourceType {short_type(value)}"),
        }
    return None
