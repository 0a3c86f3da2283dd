"""Users' corrections, stored as a training set: ``aiorhuman-train --data FOLDER`` reads it.

Layout (the Kaggle layout training reads)::

    FOLDER/train_data/<sha256>.<ext>    the image as the model reads it (JPEG, PNG, GIF, BMP;
                                        other formats as PNG), named by the upload's sha256
    FOLDER/train.csv                    ,file_name,label   (1 = AI, 0 = human: the user's label)
    FOLDER/metadata.csv                 file_name,label,probability_ai,verdict,model,page_url,
                                        received           (what the model had said, if sent)

An image already stored (same sha256) is not stored again. Writes take an exclusive lock on
``FOLDER/.lock``, so several worker processes can share the folder.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LABELS = {"ai": 1, "human": 0}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "BMP": "bmp"}
METADATA_COLUMNS = (
    "file_name",
    "label",
    "probability_ai",
    "verdict",
    "model",
    "page_url",
    "received",
)


class FeedbackFull(Exception):
    """The folder holds its most images."""


@dataclass(frozen=True)
class Report:
    """One correction: the image as the model reads it and what is known about it."""

    original: bytes
    model_bytes: bytes
    model_format: str
    label: str
    probability_ai: float | None = None
    verdict: str | None = None
    model: str | None = None
    page_url: str | None = None


class FeedbackStore:
    """A folder of labelled images in the training layout."""

    def __init__(self, root: Path, max_images: int) -> None:
        self.root = root
        self.max_images = max_images
        (root / "train_data").mkdir(parents=True, exist_ok=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.root / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, report: Report) -> tuple[str, bool]:
        """Store a report; ``(file_name, stored)``, ``stored`` False for a duplicate.

        Raises ``FeedbackFull`` when the folder already holds ``max_images``.
        """
        digest = hashlib.sha256(report.original).hexdigest()
        name = f"train_data/{digest}.{EXTENSIONS[report.model_format]}"
        with self._locked():
            if (self.root / name).exists():
                return name, False
            count = self.count()
            if count >= self.max_images:
                raise FeedbackFull(f"the feedback folder holds {count} images")
            temporary = self.root / f"{name}.part"
            temporary.write_bytes(report.model_bytes)
            os.replace(temporary, self.root / name)
            label = LABELS[report.label]
            self._append("train.csv", ("", "file_name", "label"), (count, name, label))
            received = datetime.now(UTC).isoformat(timespec="seconds")
            row = (name, label, report.probability_ai, report.verdict, report.model)
            self._append("metadata.csv", METADATA_COLUMNS, (*row, report.page_url, received))
        return name, True

    def count(self) -> int:
        """Images stored (rows of train.csv)."""
        path = self.root / "train.csv"
        if not path.exists():
            return 0
        with path.open(newline="") as f:
            return max(sum(1 for _ in csv.reader(f)) - 1, 0)

    def _append(self, file: str, header: tuple, row: tuple) -> None:
        path = self.root / file
        out = io.StringIO()
        writer = csv.writer(out)
        if not path.exists():
            writer.writerow(header)
        writer.writerow(["" if value is None else value for value in row])
        with path.open("a", newline="") as f:
            f.write(out.getvalue())
