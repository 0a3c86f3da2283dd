"""PNG plots of a run or an evaluation: curves, ROC, confusion matrix, reliability diagram."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_curve

from aiorhuman.training.metrics import reliability


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def training_curves(history: list[dict], path: Path) -> Path:
    """Loss and accuracy (train and validation) per epoch, with the phase boundary."""
    epochs = [row["epoch"] for row in history]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for ax, key, title in zip(
        axes,
        ("loss", "accuracy", "val_roc_auc"),
        ("loss", "accuracy", "validation ROC-AUC"),
        strict=True,
    ):
        if key in history[0]:
            ax.plot(epochs, [row[key] for row in history], marker="o", label="train")
        val_key = key if key.startswith("val_") else f"val_{key}"
        if val_key != key and val_key in history[0]:
            ax.plot(epochs, [row[val_key] for row in history], marker="o", label="validation")
        phases = [
            row["epoch"]
            for i, row in enumerate(history)
            if i and row["phase"] != history[i - 1]["phase"]
        ]
        for boundary in phases:
            ax.axvline(boundary - 0.5, color="grey", linestyle="--", linewidth=1)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    return _save(fig, path)


def roc(labels: np.ndarray, probs: np.ndarray, auc: float | None, path: Path) -> Path:
    """ROC curve with its AUC."""
    fig, ax = plt.subplots(figsize=(4.5, 4.2))
    if auc is not None:
        fpr, tpr, _ = roc_curve(labels, probs)
        ax.plot(fpr, tpr, label=f"AUC {auc:.3f}")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    ax.set_xlabel("false-positive rate (human called AI)")
    ax.set_ylabel("true-positive rate")
    ax.set_title("ROC")
    ax.legend(loc="lower right")
    return _save(fig, path)


def confusion(confusion_counts: dict, threshold: float, path: Path) -> Path:
    """2 x 2 confusion matrix at the decision threshold."""
    grid = np.array(
        [
            [confusion_counts["tn"], confusion_counts["fp"]],
            [confusion_counts["fn"], confusion_counts["tp"]],
        ]
    )
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    ax.imshow(grid, cmap="Blues")
    for (i, j), value in np.ndenumerate(grid):
        ax.text(
            j,
            i,
            str(value),
            ha="center",
            va="center",
            fontsize=14,
            color="white" if value > grid.max() / 2 else "black",
        )
    ax.set_xticks([0, 1], ["human", "AI"])
    ax.set_yticks([0, 1], ["human", "AI"])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"confusion at threshold {threshold:.3f}")
    return _save(fig, path)


def reliability_diagram(labels: np.ndarray, probs: np.ndarray, ece: float, path: Path) -> Path:
    """Observed AI frequency against predicted probability, per bin, with the ECE."""
    rows = reliability(labels, probs)
    fig, ax = plt.subplots(figsize=(4.5, 4.2))
    points = [
        (c, f, n)
        for c, f, n in zip(rows["confidence"], rows["frequency"], rows["count"], strict=True)
        if n
    ]
    if points:
        conf, freq, counts = map(np.array, zip(*points, strict=True))
        ax.scatter(conf, freq, s=10 + 60 * counts / counts.max(), zorder=3)
        ax.plot(conf, freq)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    ax.set_xlabel("predicted probability of AI")
    ax.set_ylabel("observed share of AI")
    ax.set_title(f"reliability (ECE {ece:.3f})")
    return _save(fig, path)


def evaluation_plots(
    labels: np.ndarray, probs: np.ndarray, metrics: dict, folder: Path
) -> list[Path]:
    """ROC, confusion matrix and reliability diagram for one set of predictions."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        roc(labels, probs, metrics["roc_auc"], folder / "roc.png"),
        confusion(metrics["confusion"], metrics["threshold"], folder / "confusion.png"),
        reliability_diagram(labels, probs, metrics["ece"], folder / "reliability.png"),
    ]
