"""Metrics, calibration and the choice of threshold and unsure band."""

import numpy as np

from aiorhuman.training import metrics as m


def test_perfect_and_inverted_predictions():
    labels = np.array([0, 0, 1, 1])
    good = m.classification_metrics(labels, np.array([0.1, 0.2, 0.8, 0.9]))
    assert good["accuracy"] == 1 and good["roc_auc"] == 1 and good["false_positive_rate"] == 0
    bad = m.classification_metrics(labels, np.array([0.9, 0.8, 0.2, 0.1]))
    assert bad["accuracy"] == 0 and bad["roc_auc"] == 0


def test_ece_is_zero_for_calibrated_bins_and_large_for_overconfidence():
    rng = np.random.default_rng(0)
    probs = rng.uniform(0, 1, 200_000)
    labels = (rng.uniform(0, 1, probs.size) < probs).astype(int)
    assert m.expected_calibration_error(labels, probs) < 0.01
    assert m.expected_calibration_error(labels, np.where(probs > 0.5, 1.0, 0.0)) > 0.2


def test_threshold_keeps_false_positive_rate_under_five_percent():
    rng = np.random.default_rng(1)
    labels = np.r_[np.zeros(500, int), np.ones(500, int)]
    probs = np.clip(np.r_[rng.normal(0.35, 0.15, 500), rng.normal(0.65, 0.15, 500)], 0, 1)
    t = m.choose_threshold(labels, probs)
    assert (probs[labels == 0] >= t).mean() <= 0.05
    stricter = m.choose_threshold(labels, probs, max_false_positive_rate=0.02)
    assert stricter > t and (probs[labels == 0] >= stricter).mean() <= 0.02


def test_unsure_band_brackets_the_threshold_and_confident_verdicts_are_right():
    rng = np.random.default_rng(2)
    labels = np.r_[np.zeros(400, int), np.ones(400, int)]
    probs = np.clip(np.r_[rng.normal(0.3, 0.15, 400), rng.normal(0.7, 0.15, 400)], 0, 1)
    t = m.choose_threshold(labels, probs)
    low, high = m.choose_unsure_band(labels, probs, t)
    assert low <= t <= high
    assert labels[probs >= high].mean() >= 0.95
    assert ((probs >= low) & (probs < high)).mean() <= m.BAND_MAX_SHARE + 1e-9


def test_platt_scaling_recovers_a_known_temperature():
    rng = np.random.default_rng(3)
    true_logits = rng.normal(0, 2, 20_000)
    labels = (rng.uniform(size=true_logits.size) < 1 / (1 + np.exp(-true_logits))).astype(int)
    scale, bias = m.fit_platt(labels, true_logits * 3.0)  # an over-confident model
    assert abs(scale - 1 / 3) < 0.03 and abs(bias) < 0.05
