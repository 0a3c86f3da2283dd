"""One markdown table from several ``aiorhuman-evaluate`` reports (the issue's targets).

    python -m experiments.summarize_evals NAME=runs/x/eval-test NAME2=runs/y/eval-test ...

Per report: ROC-AUC, balanced accuracy and false-positive rate at the model's threshold, AI
recall, the balanced-accuracy change and decisions flipped under JPEG 40 at half size, and the
mean accuracy over sources with at least ``--min-images`` images (AI and human sources apart,
and the AI sources that webmix-dev's version 3 added).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from experiments.eval_sets import version3_sources

README = Path("../shared/datasets/webmix-dev/README.md")


def source_means(sources: dict, new: set[str], min_images: int) -> dict:
    """Mean accuracy over the sources (a report's ``groups["source"]``) with at least
    ``min_images`` images: AI sources, the AI sources version 3 added, human sources."""

    def mean(label: int, only_new: bool = False) -> float | None:
        values = [
            g["accuracy"]
            for name, g in sources.items()
            if g["label"] == label
            and g["count"] >= min_images
            and (not only_new or name in new or name.startswith("h_"))
        ]
        return round(sum(values) / len(values), 3) if values else None

    return {"AI sources": mean(1), "v3 AI sources": mean(1, True), "human sources": mean(0)}


def summary(report: dict, new: set[str], min_images: int) -> dict:
    o = report["overall"]
    d = report["degradations"].get("half_size_jpeg_q40", {})
    return {
        "images": o["count"],
        "ROC-AUC": round(o["roc_auc"], 4),
        "bal. acc.": round(o["balanced_accuracy"], 4),
        "FPR": round(o["false_positive_rate"], 4),
        "AI recall": round(o["recall"], 4),
        "JPEG40+half: Δ bal. acc.": round(d["balanced_accuracy_change"], 4) if d else None,
        "JPEG40+half: flipped": round(d["decision_flip_rate"], 4) if d else None,
        **source_means(report["groups"].get("source", {}), new, min_images),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", help="NAME=FOLDER of evaluation.json")
    parser.add_argument("--min-images", type=int, default=3)
    args = parser.parse_args()
    new = version3_sources(README.read_text())
    rows = {}
    for item in args.reports:
        name, folder = item.split("=", 1)
        report = json.loads((Path(folder) / "evaluation.json").read_text())
        rows[name] = summary(report, new, args.min_images)
    columns = list(next(iter(rows.values())))
    print("| | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join("" if v is None else str(v) for v in row.values()) + " |")


if __name__ == "__main__":
    main()
