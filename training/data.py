"""Labelled and unlabelled image lists from the Kaggle layout or a folder layout, with a report.

Kaggle layout: ``train.csv`` with ``file_name,label`` (an unnamed index column may come first),
images under the CSV's folder; ``test.csv`` with ``id`` (a path under the CSV's folder).
Folder layout: ``ai/`` and ``human/`` subfolders (also accepted: ``1/`` and ``0/``).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from aiorhuman.progress import progress

LABELS = {"0": 0, "1": 1, "human": 0, "ai": 1}
FOLDER_LABELS = {"ai": 1, "1": 1, "human": 0, "0": 0}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"}
# Images with more pixels than this are reported, not decoded (decompression bombs).
MAX_PIXELS = 64_000_000


@dataclass
class Sample:
    """One image: where it is, its label (None when unlabelled) and its CSV key."""

    path: Path
    label: int | None
    key: str


@dataclass
class DataReport:
    """What was wrong with a dataset, and what was kept."""

    source: str
    kept: int = 0
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    unknown_labels: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return len(self.missing) + len(self.unreadable) + len(self.unknown_labels)

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "kept": self.kept,
            "missing": self.missing,
            "unreadable": self.unreadable,
            "unknown_labels": self.unknown_labels,
            "duplicates": self.duplicates,
        }

    def summary(self) -> str:
        lines = [f"{self.source}: {self.kept} images kept"]
        for name in ("missing", "unreadable", "unknown_labels", "duplicates"):
            items = getattr(self, name)
            if items:
                shown = ", ".join(items[:5]) + (" …" if len(items) > 5 else "")
                lines.append(f"  {len(items)} {name.replace('_', ' ')}: {shown}")
        return "\n".join(lines)


def check_image(path: Path) -> str | None:
    """Why an image cannot be used, or None if it decodes completely."""
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                return f"too many pixels ({image.width}x{image.height})"
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    except Image.DecompressionBombError as exc:
        return f"decompression bomb: {exc}"
    return None


def _csv_rows(csv_path: Path) -> list[dict[str, str]]:
    with csv_path.open(newline="") as f:
        return list(csv.DictReader(f))


def _labelled_from_csv(csv_path: Path, report: DataReport) -> list[Sample]:
    rows = _csv_rows(csv_path)
    if rows and not {"file_name", "label"} <= set(rows[0]):
        raise ValueError(f"{csv_path}: expected columns file_name,label; got {list(rows[0])}")
    samples = []
    for row in rows:
        key = row["file_name"]
        label = LABELS.get(row["label"].strip().lower())
        if label is None:
            report.unknown_labels.append(f"{key} ({row['label']!r})")
            continue
        samples.append(Sample(csv_path.parent / key, label, key))
    return samples


def _labelled_from_folders(root: Path, report: DataReport) -> list[Sample]:
    samples = []
    for child in sorted(p for p in root.iterdir() if p.is_dir()):
        label = FOLDER_LABELS.get(child.name.lower())
        if label is None:
            report.unknown_labels.append(f"{child.name}/ (folder)")
            continue
        for path in sorted(child.rglob("*")):
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                samples.append(Sample(path, label, str(path.relative_to(root))))
    if not samples:
        raise ValueError(f"{root}: no images under ai/ or human/ (and no train.csv)")
    return samples


def _validate(samples: Iterable[Sample], report: DataReport, check: bool) -> list[Sample]:
    samples = list(samples)
    kept, seen_paths, seen_hashes = [], set(), {}
    for sample in progress(samples, "checking images", enabled=check and len(samples) > 200):
        if sample.path in seen_paths:
            report.duplicates.append(f"{sample.key} (listed twice)")
            continue
        seen_paths.add(sample.path)
        if not sample.path.is_file():
            report.missing.append(sample.key)
            continue
        if check:
            problem = check_image(sample.path)
            if problem:
                report.unreadable.append(f"{sample.key} ({problem})")
                continue
            digest = hashlib.sha1(sample.path.read_bytes()).hexdigest()
            if digest in seen_hashes:
                report.duplicates.append(f"{sample.key} (same bytes as {seen_hashes[digest]})")
            else:
                seen_hashes[digest] = sample.key
        kept.append(sample)
    report.kept = len(kept)
    return kept


def resolve_csv(path: Path, name: str) -> Path | None:
    """``path`` itself if it is a CSV, else ``path/name`` if that exists, else None."""
    if path.is_file() and path.suffix.lower() == ".csv":
        return path
    candidate = path / name
    return candidate if candidate.is_file() else None


def load_labelled(path: str | Path, check: bool = True) -> tuple[list[Sample], DataReport]:
    """Labelled samples from a ``train.csv`` (or a folder holding one) or an ai/human folder.

    Unreadable, missing and unlabelled images are left out and listed in the report.
    Duplicate contents are reported but kept (they are legitimate in some datasets).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    report = DataReport(source=str(path))
    csv_path = resolve_csv(path, "train.csv")
    samples = (
        _labelled_from_csv(csv_path, report) if csv_path else _labelled_from_folders(path, report)
    )
    return _validate(samples, report, check), report


def load_metadata(path: str | Path) -> dict[str, dict[str, str]]:
    """``metadata.csv`` rows keyed by ``file_name``."""
    return {row["file_name"]: row for row in _csv_rows(Path(path))}


def load_sources(data: str | Path, needed_by: str) -> dict[str, str]:
    """Each image's ``source`` from the ``metadata.csv`` beside ``data``, keyed by
    ``file_name``; exits with a message naming ``needed_by`` when there is none."""
    metadata_path = find_metadata(data)
    if metadata_path is None:
        raise SystemExit(f"{needed_by} needs a metadata.csv beside the data")
    return {key: row["source"] for key, row in load_metadata(metadata_path).items()}


def find_metadata(data: str | Path) -> Path | None:
    """The ``metadata.csv`` beside a dataset, if there is one."""
    data = Path(data)
    folder = data.parent if data.is_file() else data
    candidate = folder / "metadata.csv"
    return candidate if candidate.is_file() else None
