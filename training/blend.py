"""How much the texture head weighs in the blend, chosen on validation data.

The blend is ``(1 - w) * fine_tuned_logit + w * texture_logit``. Held-out sources are ranked
better the more the texture head weighs, and heavily recompressed images worse (README,
Results), and neither can be seen on a random validation split directly. So the rule is: the
largest weight whose validation balanced accuracy falls by at most ``MAX_JPEG_DROP`` when the
validation images are re-encoded at JPEG quality 40, among the weights whose validation ROC-AUC
is within ``AUC_SLACK`` of the best; each weight calibrated and thresholded on validation, as
the shipped model is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from aiorhuman.training.metrics import choose_threshold, fit_platt

# 0.65 and more was measured too (README): lower ROC-AUC in-domain and under JPEG, and a worse
# calibration, for little more on unseen sources.
WEIGHTS = (0.25, 0.35, 0.5)
MAX_JPEG_DROP = 0.02
AUC_SLACK = 0.005


def weigh(pairs: np.ndarray, weight: float) -> np.ndarray:
    """Blend logits of ``[N, 2]`` (fine-tuned, texture) pairs with the texture weight."""
    return (1 - weight) * pairs[:, 0] + weight * pairs[:, 1]


def calibrated_blend(
    labels: np.ndarray, val_pairs: np.ndarray, weight: float
) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    """The blend with ``weight``, Platt-calibrated on validation pairs, as a function from
    pairs to probabilities; and the threshold chosen on validation, as training does."""
    scale, bias = fit_platt(labels, weigh(val_pairs, weight))

    def probs(pairs: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(scale * weigh(pairs, weight) + bias)))

    return probs, choose_threshold(labels, probs(val_pairs))


def score_weight(labels: np.ndarray, clean: np.ndarray, jpeg: np.ndarray, weight: float) -> dict:
    """Validation ROC-AUC, and balanced accuracy clean and re-encoded, for one weight."""
    probs, threshold = calibrated_blend(labels, clean, weight)
    clean_ba = balanced_accuracy_score(labels, probs(clean) >= threshold)
    jpeg_ba = balanced_accuracy_score(labels, probs(jpeg) >= threshold)
    return {
        "weight": weight,
        "roc_auc": round(float(roc_auc_score(labels, probs(clean))), 4),
        "balanced_accuracy": round(float(clean_ba), 4),
        "jpeg_q40_balanced_accuracy_change": round(float(jpeg_ba - clean_ba), 4),
    }


def choose_texture_weight(
    labels: np.ndarray, clean: np.ndarray, jpeg: np.ndarray
) -> tuple[float, list[dict]]:
    """The texture weight by the rule above, and the validation table it was chosen from.

    ``clean`` and ``jpeg`` are the ``[N, 2]`` logit pairs of the validation images as they are
    and re-encoded at JPEG quality 40. If no weight keeps the drop small enough, the weight
    with the smallest drop is chosen.
    """
    table = [score_weight(labels, clean, jpeg, w) for w in WEIGHTS]
    best_auc = max(row["roc_auc"] for row in table)
    robust = [
        row
        for row in table
        if row["jpeg_q40_balanced_accuracy_change"] >= -MAX_JPEG_DROP
        and row["roc_auc"] >= best_auc - AUC_SLACK
    ]
    if robust:
        return max(robust, key=lambda row: row["weight"])["weight"], table
    return max(table, key=lambda row: row["jpeg_q40_balanced_accuracy_change"])["weight"], table
