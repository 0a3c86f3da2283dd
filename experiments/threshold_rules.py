"""What each threshold rule gives on the test split, from ``aiorhuman-evaluate`` predictions.

Training picks the threshold with the best validation balanced accuracy whose validation
false-positive rate stays under a cap (``training.metrics.choose_threshold``, 5%). This picks
it under several caps on one model's validation predictions and scores each on its test
predictions, clean and under each degradation the report holds, so that models can be compared
at the same false-alarm policy without rescoring an image. ``--average-with`` first averages
the model with a second one in logit space (image by image; both reports on the same images).
With ``--metadata``, the mean accuracy over the test split's sources with at least 3 images is
added (AI sources, those webmix-dev's version 3 added, human sources), by
``experiments.summarize_evals.source_means``.

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import expit, logit

from aiorhuman.training import metrics
from experiments.eval_sets import version3_sources
from experiments.summarize_evals import source_means

MIN_SOURCE_IMAGES = 3


@dataclass
class Predictions:
    """One report's images: keys, labels and p(AI) per column (``probability``: clean)."""

    files: list[str]
    labels: np.ndarray
    probs: dict[str, np.ndarray]

    @classmethod
    def read(cls, report: Path) -> Predictions:
        """The ``predictions.csv`` of a report folder."""
        rows = list(csv.DictReader((report / "predictions.csv").open()))
        columns = [c for c in rows[0] if c not in ("file", "label")]
        return cls(
            files=[r["file"] for r in rows],
            labels=np.array([int(r["label"]) for r in rows]),
            probs={c: np.array([float(r[c]) if r[c] else np.nan for r in rows]) for c in columns},
        )

    def averaged_with(self, other: Predictions) -> Predictions:
        """This model and ``other`` averaged in logit space, image by image."""
        if other.files != self.files:
            raise SystemExit("the two reports do not hold the same images in the same order")
        probs = {
            c: expit((_logit(self.probs[c]) + _logit(other.probs[c])) / 2)
            for c in self.probs
            if c in other.probs
        }
        return Predictions(self.files, self.labels, probs)


def _logit(p: np.ndarray) -> np.ndarray:
    return logit(np.clip(p, 1e-6, 1 - 1e-6))


def per_source(test: Predictions, threshold: float, sources: dict[str, str]) -> dict:
    """Each source's label, image count and accuracy at ``threshold``, as in a report's
    ``groups["source"]``."""
    hits: dict[str, list[bool]] = defaultdict(list)
    labels: dict[str, int] = {}
    for key, label, p in zip(test.files, test.labels, test.probs["probability"], strict=True):
        hits[sources[key]].append(bool((p >= threshold) == label))
        labels[sources[key]] = int(label)
    return {
        name: {"label": labels[name], "count": len(h), "accuracy": float(np.mean(h))}
        for name, h in hits.items()
    }


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
    val, test = Predictions.read(args.validation), Predictions.read(args.test)
    if args.average_with:
        val = val.averaged_with(Predictions.read(args.average_with[0]))
        test = test.averaged_with(Predictions.read(args.average_with[1]))
    if args.metadata:
        sources = {r["file_name"]: r["source"] for r in csv.DictReader(args.metadata.open())}
        new = version3_sources((args.metadata.parent / "README.md").read_text())
    rows = []
    for cap in args.caps.split(","):
        row = rule_row(float(cap), val, test)
        if args.metadata:
            groups = per_source(test, row["threshold"], sources)
            row.update(source_means(groups, new, MIN_SOURCE_IMAGES))
        rows.append(row)
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(f"{v:.3f}" for v in row.values()) + " |")


if __name__ == "__main__":
    main()
