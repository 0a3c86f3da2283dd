"""Aligned pairs: TAEF2 reconstructions of a run's human training images, cached on disk.

    python -m aiorhuman.training.reconstruct --run runs/my-run --out .cache/taef2
    python -m aiorhuman.training.reconstruct --data DATA --out .cache/taef2   # every human image

With ``--run`` only the run's *training* split is reconstructed (never validation or test
images). With ``--data`` alone every human image is, for protocols that train several runs on
different splits (leave-sources-out); either way a run that adds the pairs
(``aiorhuman-train --pairs .cache/taef2``) takes those of its own human training images only
(``training.pairs``), so it sees no copy of an image it is judged on. Each reconstruction
keeps its original's file name and is saved like the dataset's images (JPEG quality 90, no
metadata), so that only the decoder's texture tells them apart.
The command is resumable: finished files are kept, and every file is written atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from aiorhuman.training.autoencoder import TAEF2, reconstruct_pixels
from aiorhuman.training.data import load_labelled

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[2] / "shared" / "models" / "taef2"
JPEG_QUALITY = 90


def training_humans(run_dir: Path, data: str | None = None) -> list[Path]:
    """Paths of the human images in the training split of ``run_dir`` (its splits.json)."""
    config = json.loads((run_dir / "config.json").read_text())
    splits = json.loads((run_dir / "splits.json").read_text())
    samples, _ = load_labelled(data or config["data"], check=False)
    by_key = {s.key: s for s in samples}
    return [by_key[r["file"]].path for r in splits["train"] if r["label"] == 0]


def dataset_humans(data: str) -> list[Path]:
    """Paths of every human image of ``data``."""
    samples, _ = load_labelled(data, check=False)
    return [s.path for s in samples if s.label == 0]


def reconstruct_files(paths: list[Path], out: Path, weights: Path, limit: int = 0) -> dict:
    """Write the reconstruction of each of ``paths`` missing from ``out``; returns counts and
    the speed (images per second) of this call."""
    out.mkdir(parents=True, exist_ok=True)
    todo = [p for p in paths if not (out / p.name).is_file()]
    if limit:
        todo = todo[:limit]
    model = TAEF2.from_folder(weights)
    start, pixels_done = time.perf_counter(), 0
    for i, path in enumerate(todo, 1):
        with Image.open(path) as image:
            pixels = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
        result = reconstruct_pixels(model, pixels)
        pixels_done += result.shape[0] * result.shape[1]
        partial = out / f".{path.name}.part"
        Image.fromarray(result).save(partial, format="JPEG", quality=JPEG_QUALITY)
        os.replace(partial, out / path.name)
        if i % 25 == 0 or i == len(todo):
            rate = i / (time.perf_counter() - start)
            print(f"reconstructed {i}/{len(todo)} ({rate:.2f} images/s)", file=sys.stderr)
    seconds = time.perf_counter() - start
    return {
        "requested": len(paths),
        "written": len(todo),
        "cached": len(paths) - len(todo) if not limit else None,
        "seconds": round(seconds, 1),
        "images_per_second": round(len(todo) / seconds, 3) if todo else None,
        "megapixels_per_second": round(pixels_done / 1e6 / seconds, 3) if todo else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="run whose training split to use")
    parser.add_argument("--out", required=True, type=Path, help="cache folder of reconstructions")
    parser.add_argument(
        "--data", help="the run's data, if it has moved; without --run, every human image of it"
    )
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="TAEF2 folder")
    parser.add_argument("--limit", type=int, default=0, help="reconstruct at most N (timing)")
    args = parser.parse_args(argv)
    if args.run:
        paths = training_humans(args.run, args.data)
        print(f"{len(paths)} human training images of {args.run}", file=sys.stderr)
    elif args.data:
        paths = dataset_humans(args.data)
        print(f"{len(paths)} human images of {args.data}", file=sys.stderr)
    else:
        parser.error("give --run (its training humans) or --data (every human image)")
    print(json.dumps(reconstruct_files(paths, args.out, args.weights, args.limit)))


if __name__ == "__main__":
    main()
