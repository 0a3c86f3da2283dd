"""Score image files with a bundle: read with limits, score in batches, add provenance."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aiorhuman.bundle.scoring import BundleScorer, Item, Scored, score_items
from aiorhuman.intake import Limits, prepare
from aiorhuman.progress import progress
from aiorhuman.provenance import final_verdict, read_provenance
from aiorhuman.provenance.combine import empty

MAX_FILE_BYTES = 50 * 1024 * 1024
# Larger images are refused from their header before any decode (decompression bombs).
LIMITS = Limits(max_pixels=100_000_000, max_frames=10_000)


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
    """A file's bytes, refusing empty and oversized files."""
    size = item.path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file too large ({size} bytes)")
    if size == 0:
        raise ValueError("empty file")
    return item.path.read_bytes()


def model_bytes(data: bytes) -> bytes:
    """What the bundle is given of a file (the image intake): checked from its header
    (pixel and frame bombs refused), transcoded to PNG where the SavedModel cannot decode it."""
    return prepare(data, LIMITS)


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
        to_model=model_bytes,
        on_batch=with_provenance,
        progress=lambda xs: progress(xs, "scoring", enabled=len(items) > 64),
    )
