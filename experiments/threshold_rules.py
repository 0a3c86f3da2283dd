"""What each threshold rule gives on the test split, from ``aiorhuman-evaluate`` predictions.

Training picks the threshold with the best validation balanced accuracy whose validation
false-positive rate stays under a cap (``training.metrics.choose_threshold``, 5%). This picks
it under several caps on one model's validation predictions and scores each on its test
predictions, clean and under each degradation the report holds, so that models can be compared
at the same false-alarm policy without rescoring an image. ``--average-with`` first averages
the model with a second one in logit space (image by image; both reports on the same images).
With ``--metadata``, the mean accuracy over the test split's sources with at least 3 images is
added (AI sources, those webmix-dev's version 3 added, human sources), as in
``experiments.summarize_evals``.

    python -m experiments.threshold_rules runs/evals/default-val runs/evals/default-test \\
        --caps 0.05,0.03,0.02
    python -m experiments.threshold_rules runs/evals/default-val runs/evals/default-test \\
        --average-with runs/evals/lite2-val runs/evals/lite2-test \\
        --metadata ../shared/datasets/webmix-dev/metadata.csv
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from aiorhuman.training import metrics
from experiments.eval_sets import version3_sources

MIN_SOURCE_IMAGES = 3


class Predictions:
    """One report's images: keys, labels and p(AI) per column (``probability``: clean)."""

    def __init__(self, report: Path):
        rows = list(csv.DictReader((report / "predictions.csv").open()))
        self.files = [r["file"] for r in rows]
        self.labels = np.array([int(r["label"]) for r in rows])
        columns = [c for c in rows[0] if c not in ("file", "label")]
        self.probs = {c: np.array([float(r[c]) if r[c] else np.nan for r in rows]) for c in columns}

    def averaged_with(self, other: Predictions) -> Predictions:
        """This model and ``other`` averaged in logit space, image by image."""
        if other.files != self.files:
            raise SystemExit("the two reports do not hold the same images in the same order")
        both = object.__new__(Predictions)
        both.files, both.labels = self.files, self.labels
        both.probs = {
            c: _sigmoid((_logit(self.probs[c]) + _logit(other.probs[c])) / 2)
            for c in self.probs
            if c in other.probs
        }
        return both


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def source_means(test: Predictions, threshold: float, sources: dict, new: set) -> dict:
    """Mean accuracy over sources with enough images: AI, AI added in version 3, human."""
    right = defaultdict(list)
    clean = test.probs["probability"]
    for key, label, p in zip(test.files, test.labels, clean, strict=True):
        right[(sources[key], label)].append((p >= threshold) == label)

    def mean(label: int, only_new: bool = False) -> float:
        values = [
            np.mean(hits)
            for (source, lab), hits in right.items()
            if lab == label
            and len(hits) >= MIN_SOURCE_IMAGES
            and (not only_new or source in new or source.startswith("h_"))
        ]
        return float(np.mean(values))

    return {"AI sources": mean(1), "v3 AI sources": mean(1, True), "human sources": mean(0)}


def rule_row(cap: float, val: Predictions, test: Predictions) -> dict:
    """The threshold chosen on validation under ``cap`` and its figures on test."""
    threshold = metrics.choose_threshold(val.labels, val.probs["probability"], cap)
    clean_probs = test.probs["probability"]
    clean = metrics.classification_metrics(test.labels, clean_probs, threshold)
    on_val = metrics.classification_metrics(val.labels, val.probs["probability"], threshold)
    row = {
        "cap": cap,
        "threshold": threshold,
        "val FPR": on_val["false_positive_rate"],
        "ROC-AUC": clean["roc_auc"],
        "bal. acc.": clean["balanced_accuracy"],
        "FPR": clean["false_positive_rate"],
        "AI recall": clean["recall"],
    }
    for name, probs in test.probs.items():
        if name == "probability":
            continue
        ok = ~np.isnan(probs)
        degraded = metrics.classification_metrics(test.labels[ok], probs[ok], threshold)
        flipped = np.mean((probs[ok] >= threshold) != (clean_probs[ok] >= threshold))
        row[f"{name} Δ"] = degraded["balanced_accuracy"] - clean["balanced_accuracy"]
        row[f"{name} flipped"] = flipped
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("validation", type=Path, help="report folder on the validation split")
    parser.add_argument("test", type=Path, help="report folder on the test split")
    parser.add_argument("--caps", default="0.05,0.04,0.03", help="validation FPR caps")
    parser.add_argument(
        "--average-with", nargs=2, type=Path, metavar=("VALIDATION", "TEST"),
        help="a second model's report folders, averaged with the first in logit space",
    )  # fmt: skip
    parser.add_argument("--metadata", type=Path, help="metadata.csv, for the per-source means")
    args = parser.parse_args()
    val, test = Predictions(args.validation), Predictions(args.test)
    if args.average_with:
        val = val.averaged_with(Predictions(args.average_with[0]))
        test = test.averaged_with(Predictions(args.average_with[1]))
    rows = []
    for cap in args.caps.split(","):
        row = rule_row(float(cap), val, test)
        if args.metadata:
            sources = {r["file_name"]: r["source"] for r in csv.DictReader(args.metadata.open())}
            new = version3_sources((args.metadata.parent / "README.md").read_text())
            row.update(source_means(test, row["threshold"], sources, new))
        rows.append(row)
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(f"{v:.3f}" for v in row.values()) + " |")


if __name__ == "__main__":
    main()
