"""Plain progress output for long loops (stderr, one line rewritten in place on a terminal)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(
    items: Iterable[T], label: str, total: int | None = None, enabled: bool = True
) -> Iterator[T]:
    """Yield ``items`` while printing ``label: done/total, rate`` about twice a second."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    start = last = time.monotonic()
    tty = sys.stderr.isatty()
    for done, item in enumerate(items, start=1):
        yield item
        now = time.monotonic()
        if enabled and (now - last > (0.5 if tty else 10) or done == total):
            last = now
            rate = done / max(now - start, 1e-9)
            of = f"/{total}" if total else ""
            end = "\r" if tty and done != total else "\n"
            print(f"{label}: {done}{of} ({rate:.1f}/s)", end=end, file=sys.stderr, flush=True)
