"""EXIF: generator names (Software, ImageDescription, UserComment) and camera evidence.

A small TIFF reader of IFD0 and the Exif sub-IFD: bounded (at most ``MAX_ENTRIES`` entries
per IFD, offsets checked against the block) and raising only ``ValueError``, which the caller
turns into an ``errors`` entry.
"""

from __future__ import annotations

import re

from aiorhuman.provenance.text import clip

MAX_ENTRIES = 512
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8, 13: 4}

# IFD0
MAKE, MODEL, SOFTWARE, DESCRIPTION, EXIF_IFD = 0x010F, 0x0110, 0x0131, 0x010E, 0x8769
# Exif IFD
EXPOSURE, F_NUMBER, ISO, DATETIME, FOCAL, USER_COMMENT, LENS = (
    0x829A,
    0x829D,
    0x8827,
    0x9003,
    0x920A,
    0x9286,
    0xA434,
)

# (name, pattern): searched case-insensitively, first match in this order wins.
GENERATORS = (
    ("Stable Diffusion", r"stable[ _-]?diffusion"),
    ("NovelAI", r"novel ?ai"),
    ("Midjourney", r"midjourney"),
    ("DALL-E", r"\bdall[-\u00b7 ]?e\b"),
    ("Adobe Firefly", r"\badobe firefly\b"),
    ("Imagen", r"\bgoogle imagen\b|\bimagen [0-9]"),
    ("Leonardo", r"\bleonardo\.ai\b|\bleonardo ai\b"),
    ("ComfyUI", r"\bcomfyui\b"),
    ("InvokeAI", r"\binvokeai\b"),
    ("Automatic1111", r"\bautomatic1111\b|\ba1111\b"),
)
_GENERATORS = [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in GENERATORS]
# Stable Diffusion web UI writes its generation parameters into UserComment of JPEGs.
_SD_PARAMETERS = ("Steps: ", "Sampler: ", "CFG scale: ")


def _parse_ifd(tiff: bytes, offset: int, order: str) -> dict[int, tuple[int, int, bytes]]:
    """{tag: (type, count, raw value bytes)} of the IFD at ``offset``."""
    if offset < 8 or offset + 2 > len(tiff):
        raise ValueError("IFD offset out of range")
    count = int.from_bytes(tiff[offset : offset + 2], order)
    if count > MAX_ENTRIES or offset + 2 + 12 * count > len(tiff):
        raise ValueError("IFD too large or truncated")
    entries = {}
    for i in range(count):
        entry = tiff[offset + 2 + 12 * i : offset + 14 + 12 * i]
        tag = int.from_bytes(entry[0:2], order)
        kind = int.from_bytes(entry[2:4], order)
        n = int.from_bytes(entry[4:8], order)
        size = _TYPE_SIZES.get(kind, 0) * n
        if size == 0 or size > len(tiff):
            continue
        if size <= 4:
            raw = entry[8 : 8 + size]
        else:
            at = int.from_bytes(entry[8:12], order)
            if at + size > len(tiff):
                continue
            raw = tiff[at : at + size]
        entries.setdefault(tag, (kind, n, raw))
    return entries


def parse_tiff(tiff: bytes) -> tuple[dict[int, tuple[int, int, bytes, str]], list[str]]:
    """Entries of IFD0 and the Exif IFD, {tag: (type, count, raw, byte order)}, and errors.

    Raises ``ValueError`` when IFD0 cannot be read; a bad Exif IFD is an error entry."""
    if tiff[:4] == b"II*\x00":
        order = "little"
    elif tiff[:4] == b"MM\x00*":
        order = "big"
    else:
        raise ValueError("not a TIFF header")
    ifd0 = _parse_ifd(tiff, int.from_bytes(tiff[4:8], order), order)
    tags = {tag: (*value, order) for tag, value in ifd0.items()}
    errors = []
    if EXIF_IFD in ifd0 and ifd0[EXIF_IFD][0] in (4, 13):
        try:
            exif = _parse_ifd(tiff, int.from_bytes(ifd0[EXIF_IFD][2][:4], order), order)
        except ValueError as exc:
            errors.append(f"EXIF: Exif IFD unreadable ({exc})")
        else:
            for tag, value in exif.items():
                tags.setdefault(tag, (*value, order))
    return tags, errors


def _ascii(value: tuple[int, int, bytes, str] | None) -> str | None:
    if value is None or value[0] not in (1, 2, 7):
        return None
    text = value[2].split(b"\x00", 1)[0].decode("utf-8", "replace").strip()
    return text or None


def _user_comment(value: tuple[int, int, bytes, str] | None) -> str | None:
    if value is None or value[0] not in (1, 2, 7) or len(value[2]) < 8:
        return None
    prefix, body = value[2][:8], value[2][8:]
    if prefix == b"UNICODE\x00":
        # Writers disagree on the byte order: a zero first byte means big-endian, a zero
        # second byte little-endian, otherwise the TIFF's own order.
        little = value[3] == "little"
        if len(body) >= 2 and (body[0] == 0) != (body[1] == 0):
            little = body[1] == 0
        encoding = "utf-16-le" if little else "utf-16-be"
        text = body[: len(body) // 2 * 2].decode(encoding, "replace")
    else:
        text = body.decode("utf-8", "replace")
    text = text.replace("\x00", "").strip()
    return text or None


def _rational(value: tuple[int, int, bytes, str] | None) -> tuple[int, int] | None:
    if value is None or value[0] not in (5, 10):
        return None
    signed = value[0] == 10
    num = int.from_bytes(value[2][0:4], value[3], signed=signed)
    den = int.from_bytes(value[2][4:8], value[3], signed=signed)
    return (num, den) if num > 0 and den > 0 else None


def _tenths(r: tuple[int, int] | None) -> str | None:
    """A positive rational to one decimal, rounded half up, without a trailing ``.0``."""
    if r is None:
        return None
    tenths = (10 * r[0] + r[1] // 2) // r[1]
    whole, frac = divmod(tenths, 10)
    return f"{whole}.{frac}" if frac else str(whole)


def _exposure(r: tuple[int, int] | None) -> str | None:
    if r is None:
        return None
    num, den = r
    while den:  # gcd, spelled out so the JavaScript reader writes the same
        num, den = den, num % den
    num, den = r[0] // num, r[1] // num
    return f"{num} s" if den == 1 else f"{num}/{den} s"


def _integer(value: tuple[int, int, bytes, str] | None) -> str | None:
    if value is None or value[0] not in (3, 4):
        return None
    width = 2 if value[0] == 3 else 4
    return str(int.from_bytes(value[2][:width], value[3]))


def camera_fields(tags: dict) -> dict[str, str]:
    """The contract's ``camera`` object: only the fields present."""
    fields = {
        "make": _ascii(tags.get(MAKE)),
        "model": _ascii(tags.get(MODEL)),
        "lens": _ascii(tags.get(LENS)),
        "exposure": _exposure(_rational(tags.get(EXPOSURE))),
        "f_number": (lambda v: v and f"f/{v}")(_tenths(_rational(tags.get(F_NUMBER)))),
        "iso": _integer(tags.get(ISO)),
        "focal_length": (lambda v: v and f"{v} mm")(_tenths(_rational(tags.get(FOCAL)))),
        "datetime": _ascii(tags.get(DATETIME)),
    }
    return {k: v for k, v in fields.items() if v}


def named_generator(text: str) -> str | None:
    """The generator a text names (list ``GENERATORS``), or None."""
    for name, pattern in _GENERATORS:
        if pattern.search(text):
            return name
    return None


def exif_signals(tags: dict) -> tuple[list[dict], dict | None]:
    """(``exif-generator`` signals, the ``camera`` signal or None) of one EXIF block."""
    generators = []
    for field, text in (
        ("Software", _ascii(tags.get(SOFTWARE))),
        ("ImageDescription", _ascii(tags.get(DESCRIPTION))),
        ("UserComment", _user_comment(tags.get(USER_COMMENT))),
    ):
        if not text:
            continue
        name = named_generator(text)
        if name is None and field == "UserComment" and all(p in text for p in _SD_PARAMETERS):
            name = "Stable Diffusion web UI"
        if name is not None:
            generators.append(
                {
                    "kind": "exif-generator",
                    "source": f"EXIF {field}",
                    "indicates": "ai",
                    "decisive": True,
                    "detail": clip(f"{field}: {text}"),
                    "generator": name,
                }
            )
    camera = camera_fields(tags)
    if not any(k in camera for k in ("make", "model", "lens")):
        return generators, None
    make, model = camera.get("make", ""), camera.get("model", "")
    summary = [
        model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip(),
        camera.get("lens"),
        camera.get("exposure"),
        camera.get("f_number"),
        camera.get("iso") and f"ISO {camera['iso']}",
        camera.get("focal_length"),
    ]
    signal = {
        "kind": "camera",
        "source": "EXIF Make/Model",
        "indicates": "camera",
        "decisive": False,
        "detail": clip(", ".join(v for v in summary if v)),
        "camera": camera,
    }
    return generators, signal
