"""Evaluation sets as Kaggle-layout folders: a run's split, optionally only some sources.

    python -m experiments.eval_sets --run runs/lite0-v3-split --split test --out .cache/sets/test
    python -m experiments.eval_sets --run runs/lite0-v3-split --split test --version 3 \
        --out .cache/sets/test-v3

``--version 3`` keeps the images of the sources that webmix-dev's version 3 added (its README's
"Added in version 3" list, the ``h_*`` ComfyUI repositories and the four small AI sources that
are in no earlier list), which no model trained on version 2 has seen. The folder holds a
``train.csv`` and a link to the dataset's images, so ``aiorhuman-evaluate --data FOLDER`` scores
runs and bundles on exactly the same images.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

SMALL_V3_AI = {"comfyflux", "cubiqwf", "ucwf", "vamcc"}


def version3_sources(readme: str) -> set[str]:
    """Source tags named under "Added in version 3" in the dataset's README."""
    section = readme[readme.index("## Added in version 3") : readme.index("## Held out")]
    return set(re.findall(r"\b([a-z][a-z0-9_]+) \d+", section)) | SMALL_V3_AI


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, type=Path)
    parser.add_argument("--split", default="test")
    parser.add_argument("--version", type=int, choices=(2, 3), help="only this version's sources")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    data = Path(json.loads((args.run / "config.json").read_text())["data"]).resolve()
    data = data.parent if data.suffix == ".csv" else data
    sources = {r["file_name"]: r["source"] for r in csv.DictReader((data / "metadata.csv").open())}
    new = version3_sources((data / "README.md").read_text())
    rows = json.loads((args.run / "splits.json").read_text())[args.split]
    if args.version:
        rows = [
            r
            for r in rows
            if (sources[r["file"]] in new or sources[r["file"]].startswith("h_"))
            == (args.version == 3)
        ]
    args.out.mkdir(parents=True, exist_ok=True)
    link = args.out / "train_data"
    if not link.exists():
        link.symlink_to(data / "train_data")
    with (args.out / "train.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["", "file_name", "label"])
        writer.writerows([i, r["file"], r["label"]] for i, r in enumerate(rows))
    print(f"{args.out}: {len(rows)} images ({sum(r['label'] for r in rows)} AI)")


if __name__ == "__main__":
    main()
