"""How much the provenance reader may read and for how long."""

from __future__ import annotations

import time
from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on one read: bytes looked at, size of one metadata block, time."""

    max_scan_bytes: int = 16 * MIB  # only this many leading bytes are read
    max_block_bytes: int = 1 * MIB  # one XMP packet, PNG text chunk or EXIF block
    max_c2pa_bytes: int = 16 * MIB  # C2PA validation is skipped for bigger files
    max_seconds: float = 2.0  # the whole read, C2PA validation included
    max_items: int = 10_000  # JPEG segments, PNG or RIFF chunks walked
    max_stealth_pixels: int = 4096 * 4096  # PNGs decoded for alpha-channel metadata


DEFAULT_LIMITS = Limits()


class Budget:
    """A deadline shared by the steps of one read."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline


class OverTime(Exception):
    """Raised inside a reader step when the budget is spent."""
