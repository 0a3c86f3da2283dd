"""What ``aiorhuman-predict`` scores: image files, folders, a Kaggle ``test.csv``, or a table
(``.parquet``, ``.csv``) with a ``path`` column."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = {
    ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".avif", ".heic", ".heif", ".tif", ".tiff",
}  # fmt: skip


@dataclass
class Input:
    """One image to score: where it is and the key its result row carries."""

    path: Path
    key: str


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def find_images(paths: Iterable[str | Path]) -> list[Input]:
    """Inputs from files, folders (recursively, by suffix) or a Kaggle ``test.csv`` (``id``
    or ``file_name`` column; a folder holding one counts as that table)."""
    inputs: list[Input] = []
    for item in map(Path, paths):
        if item.is_dir():
            table = item / "test.csv"
            if table.is_file():
                inputs += find_images([table])
                continue
            for path in sorted(item.rglob("*")):
                if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                    inputs.append(Input(path, str(path)))
        elif item.suffix.lower() == ".csv":
            rows = _csv_rows(item)
            column = "id" if rows and "id" in rows[0] else "file_name"
            if rows and column not in rows[0]:
                raise ValueError(
                    f"{item}: expected an id (or file_name) column; got {list(rows[0])}"
                )
            inputs += [Input(item.parent / row[column], row[column]) for row in rows]
        else:
            inputs.append(Input(item, str(item)))
    return inputs


def load_inputs(paths: Iterable[str]) -> list[Input]:
    """``find_images``'s inputs, plus tables of paths: a ``.parquet``, or a ``.csv``, with a
    ``path`` column (relative paths are relative to the table's folder)."""
    inputs: list[Input] = []
    for item in map(Path, paths):
        keys = None
        if item.suffix == ".parquet":
            import pyarrow.parquet as pq

            keys = pq.read_table(item, columns=["path"]).column("path").to_pylist()
        elif item.suffix == ".csv":
            rows = _csv_rows(item)
            keys = [row["path"] for row in rows] if rows and "path" in rows[0] else None
        if keys is None:
            inputs += find_images([item])
        else:
            inputs += [Input(item.parent / key, key) for key in keys]
    return inputs
