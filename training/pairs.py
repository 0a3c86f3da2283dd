"""Aligned pairs as training data: cached reconstructions of human training images, as AI.

``training.reconstruct`` writes each reconstruction under its original's file name. A run
that adds them takes those of its own human training images only (never of a validation or
test image, whichever run made the cache), and records the list in ``pairs.json`` so that a
resumed run trains on the same pairs however much the cache has grown since.
"""

from __future__ import annotations

import json
from pathlib import Path

from aiorhuman.training.data import Sample

PREFIX = "pair:"


def pair_samples(folder: Path, train: list[Sample], record: Path) -> list[Sample]:
    """AI-labelled samples of the reconstructions in ``folder`` of ``train``'s human images;
    the list is read from ``record`` if it exists, else written there."""
    humans = {s.path.name: s for s in train if s.label == 0}
    if record.is_file():
        names = json.loads(record.read_text())["originals"]
    else:
        names = sorted(name for name in humans if (folder / name).is_file())
        record.write_text(json.dumps({"folder": str(folder), "originals": names}) + "\n")
    missing = [name for name in names if name not in humans or not (folder / name).is_file()]
    if missing:
        raise SystemExit(f"{folder}: {len(missing)} recorded pairs are missing, e.g. {missing[0]}")
    return [Sample(folder / name, 1, PREFIX + humans[name].key) for name in names]
