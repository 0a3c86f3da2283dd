"""Classification metrics, calibration, and the decision threshold and "unsure" band."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression

ECE_BINS = 15
# Verdicts outside the unsure band must have been right this often on validation data...
BAND_PRECISION = 0.95
# ...and the band may hold at most this share of validation images.
BAND_MAX_SHARE = 0.25
# The shipped threshold keeps the validation false-positive rate (human called AI) under this.
MAX_FALSE_POSITIVE_RATE = 0.05


def expected_calibration_error(
    labels: np.ndarray, probs: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Mean |accuracy - confidence| over equal-width probability bins, weighted by bin size."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(labels[mask].mean() - probs[mask].mean())
    return float(error)


def reliability(labels: np.ndarray, probs: np.ndarray, bins: int = ECE_BINS) -> dict:
    """Per-bin mean confidence, observed frequency and count (for the reliability diagram)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    rows = {"confidence": [], "frequency": [], "count": []}
    for b in range(bins):
        mask = which == b
        rows["count"].append(int(mask.sum()))
        rows["confidence"].append(float(probs[mask].mean()) if mask.any() else None)
        rows["frequency"].append(float(labels[mask].mean()) if mask.any() else None)
    return rows


def classification_metrics(labels: np.ndarray, probs: np.ndarray, threshold: float = 0.5) -> dict:
    """Accuracy, balanced accuracy, precision, recall, F1, FPR, ROC-AUC, log loss and ECE."""
    labels = np.asarray(labels, dtype=int)
    probs = np.asarray(probs, dtype=float)
    predicted = (probs >= threshold).astype(int)
    both = len(np.unique(labels)) == 2
    tn, fp, fn, tp = skm.confusion_matrix(labels, predicted, labels=[0, 1]).ravel()
    return {
        "count": len(labels),
        "positives": int(labels.sum()),
        "threshold": float(threshold),
        "accuracy": float(skm.accuracy_score(labels, predicted)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(labels, predicted))
        if both
        else None,
        "precision": float(skm.precision_score(labels, predicted, zero_division=0)),
        "recall": float(skm.recall_score(labels, predicted, zero_division=0)),
        "f1": float(skm.f1_score(labels, predicted, zero_division=0)),
        "false_positive_rate": float(fp / (fp + tn)) if fp + tn else None,
        "roc_auc": float(skm.roc_auc_score(labels, probs)) if both else None,
        "log_loss": float(skm.log_loss(labels, np.clip(probs, 1e-7, 1 - 1e-7), labels=[0, 1])),
        "ece": expected_calibration_error(labels, probs),
        "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
    }


def choose_threshold(
    labels: np.ndarray, probs: np.ndarray, max_false_positive_rate: float = MAX_FALSE_POSITIVE_RATE
) -> float:
    """The threshold with the best balanced accuracy whose false-positive rate stays within
    ``max_false_positive_rate`` (the best overall where none does)."""
    labels = np.asarray(labels, dtype=int)
    candidates = np.unique(np.concatenate([probs, [0.5]]))
    best, best_score = 0.5, -1.0
    fallback, fallback_score = 0.5, -1.0
    humans, ais = labels == 0, labels == 1
    for t in candidates:
        predicted = probs >= t
        fpr = predicted[humans].mean() if humans.any() else 0.0
        tpr = predicted[ais].mean() if ais.any() else 0.0
        score = (tpr + 1 - fpr) / 2
        if score > fallback_score:
            fallback, fallback_score = float(t), score
        if fpr <= max_false_positive_rate and score > best_score:
            best, best_score = float(t), score
    return best if best_score >= 0 else fallback


def choose_unsure_band(labels: np.ndarray, probs: np.ndarray, threshold: float) -> list[float]:
    """``[low, high]`` around ``threshold`` so that confident verdicts are ≥ 95% right.

    ``high`` is the lowest cut above the threshold where images scored ≥ high are AI at least
    95% of the time; ``low`` the highest cut below it where images scored < low are human at
    least 95% of the time. The band never holds more than 25% of the validation images.
    """
    labels = np.asarray(labels, dtype=int)
    probs = np.asarray(probs, dtype=float)
    above = np.sort(probs[probs >= threshold])
    below = np.sort(probs[probs < threshold])[::-1]
    high = threshold
    for cut in above:
        chosen = probs >= cut
        if labels[chosen].mean() >= BAND_PRECISION:
            high = float(cut)
            break
    low = threshold
    for cut in below:
        chosen = probs < cut
        if chosen.any() and (1 - labels[chosen]).mean() >= BAND_PRECISION:
            low = float(cut)
            break
    # Shrink symmetrically (in rank) towards the threshold until the band is small enough.
    while ((probs >= low) & (probs < high)).mean() > BAND_MAX_SHARE:
        low = low + (threshold - low) * 0.1
        high = high - (high - threshold) * 0.1
        if high - low < 1e-4:
            break
    return [round(float(low), 4), round(float(high), 4)]


def fit_platt(labels: np.ndarray, logits: np.ndarray) -> tuple[float, float]:
    """Scale and bias so that sigmoid(scale * logit + bias) is calibrated (logistic fit)."""
    fit = LogisticRegression(C=1e4).fit(np.asarray(logits).reshape(-1, 1), labels)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def verdict_counts(probs: np.ndarray, band: list[float]) -> dict:
    """How many probabilities fall on each verdict."""
    low, high = band
    return {
        "ai": int((probs >= high).sum()),
        "human": int((probs < low).sum()),
        "unsure": int(((probs >= low) & (probs < high)).sum()),
    }
