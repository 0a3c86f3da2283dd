"""What each threshold rule gives on the test split, from ``aiorhuman-evaluate`` predictions.

Training picks the threshold with the best validation balanced accuracy whose validation
false-positive rate stays under a cap (``training.metrics.choose_threshold``, 5%). This picks
it under several caps on one model's validation predictions and scores each on its test
predictions, clean and under each degradation the report holds, so that models can be compared
at the same false-alarm policy without rescoring an image.

    python -m experiments.threshold_rules runs/evals/default-val runs/evals/default-test \\
        --caps 0.05,0.04,0.03
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from aiorhuman.training import metrics


def read_predictions(report: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Labels and p(AI) per column (``probability`` for the clean images) of a report folder."""
    rows = list(csv.DictReader((report / "predictions.csv").open()))
    labels = np.array([int(r["label"]) for r in rows])
    columns = [c for c in rows[0] if c not in ("file", "label")]
    probs = {c: np.array([float(r[c]) if r[c] else np.nan for r in rows]) for c in columns}
    return labels, probs


def rule_row(cap: float, val: tuple, test: tuple) -> dict:
    """The threshold chosen on validation under ``cap`` and its figures on test."""
    val_labels, val_probs = val
    test_labels, test_probs = test
    threshold = metrics.choose_threshold(val_labels, val_probs["probability"], cap)
    clean = metrics.classification_metrics(test_labels, test_probs["probability"], threshold)
    on_val = metrics.classification_metrics(val_labels, val_probs["probability"], threshold)
    row = {
        "cap": cap,
        "threshold": threshold,
        "val FPR": on_val["false_positive_rate"],
        "bal. acc.": clean["balanced_accuracy"],
        "FPR": clean["false_positive_rate"],
        "AI recall": clean["recall"],
    }
    for name, probs in test_probs.items():
        if name == "probability":
            continue
        ok = ~np.isnan(probs)
        degraded = metrics.classification_metrics(test_labels[ok], probs[ok], threshold)
        flipped = np.mean((probs[ok] >= threshold) != (test_probs["probability"][ok] >= threshold))
        row[f"{name} Δ"] = degraded["balanced_accuracy"] - clean["balanced_accuracy"]
        row[f"{name} flipped"] = flipped
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("validation", type=Path, help="report folder on the validation split")
    parser.add_argument("test", type=Path, help="report folder on the test split")
    parser.add_argument("--caps", default="0.05,0.04,0.03", help="validation FPR caps")
    args = parser.parse_args()
    val, test = read_predictions(args.validation), read_predictions(args.test)
    rows = [rule_row(float(c), val, test) for c in args.caps.split(",")]
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(f"{v:.3f}" for v in row.values()) + " |")


if __name__ == "__main__":
    main()
