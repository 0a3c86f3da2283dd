"""Score image files with a bundle: read with limits, score in batches, add provenance."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from aiorhuman.bundle.scoring import BundleScorer, Item, Scored, score_items
from aiorhuman.progress import progress
from aiorhuman.provenance import final_verdict, read_provenance
from aiorhuman.provenance.combine import empty

MAX_FILE_BYTES = 50 * 1024 * 1024
# Larger images are refused from their header before any decode (decompression bombs).
MAX_PIXELS = 100_000_000


def open_bundle(path: str | Path) -> BundleScorer:
    """A scorer for a bundle folder; a training run is refused with what to do instead."""
    path = Path(path)
    if not (path / "card.json").is_file() and (path / "config.json").is_file():
        raise SystemExit(
            f"{path} is a training run, not a bundle: convert it first "
            f"(aiorhuman-convert {path} --out BUNDLE), or evaluate it on labelled data "
            "(aiorhuman-evaluate)"
        )
    return BundleScorer(path)


def read_file(item: Item) -> bytes:
    """A file's bytes, refusing empty, oversized and (from the header) over-large images."""
    size = item.path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file too large ({size} bytes)")
    if size == 0:
        raise ValueError("empty file")
    data = item.path.read_bytes()
    _check_pixels(data)
    return data


def _check_pixels(data: bytes) -> None:
    """Refuse an image whose header declares more than ``MAX_PIXELS``, without decoding it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            width, height = Image.open(io.BytesIO(data)).size
    except Image.DecompressionBombError as exc:  # over Pillow's own limit, far over ours
        raise ValueError(f"image too large ({exc})") from exc
    except Exception:  # an unreadable header is for the model's decoder to judge
        return
    if width * height > MAX_PIXELS:
        raise ValueError(f"image too large ({width} x {height} pixels; at most {MAX_PIXELS})")


def add_provenance(result: Scored, data: bytes | None) -> Scored:
    """Read the provenance of the image's original bytes (None: unread) into ``result`` and
    make its verdict the final one (docs/provenance.md): ``ai`` by metadata when the
    provenance decides, else the model's. Every engine calls this before ``result_row``."""
    result.provenance = read_provenance(data) if data else empty()
    verdict, reason = final_verdict(result.verdict, result.provenance)
    result.verdict, result.reason = verdict, reason if verdict is not None else None
    return result


def score_files(scorer: BundleScorer, items: Sequence[Item], batch_size: int = 32) -> list[Scored]:
    """Score every file in input order, with its provenance and final verdict; unreadable or
    undecodable images come back with ``error`` set."""

    def with_provenance(scored: list[Scored], datas: list[bytes]) -> None:
        for result, data in zip(scored, datas, strict=True):
            add_provenance(result, data or None)

    return score_items(
        scorer,
        items,
        read_file,
        batch_size,
        on_batch=with_provenance,
        progress=lambda xs: progress(xs, "scoring", enabled=len(items) > 64),
    )
