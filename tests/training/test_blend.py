"""The texture weight rule: as much texture as heavy recompression allows."""

from __future__ import annotations

import numpy as np

from aiorhuman.training.blend import MAX_JPEG_DROP, WEIGHTS, choose_texture_weight, weigh


def _pairs(seed: int, texture_shift_under_jpeg: float) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], 300)
    signal = np.where(labels == 1, 1.0, -1.0)
    clean = np.stack(
        [2 * signal + rng.normal(0, 1.6, 600), 2 * signal + rng.normal(0, 1.6, 600)], axis=1
    )
    recompressed = clean.copy()
    # Recompression pushes the texture logit of AI images towards "human".
    recompressed[:, 1] -= texture_shift_under_jpeg * (labels == 1)
    return labels, clean, recompressed


def test_robust_texture_gets_the_largest_weight_within_the_auc_slack():
    labels, clean, recompressed = _pairs(1, texture_shift_under_jpeg=0.0)
    weight, table = choose_texture_weight(labels, clean, recompressed)
    assert [row["weight"] for row in table] == list(WEIGHTS)
    assert all(row["jpeg_q40_balanced_accuracy_change"] == 0 for row in table)
    assert weight == max(
        row["weight"] for row in table if row["roc_auc"] >= max(r["roc_auc"] for r in table) - 0.005
    )


def test_texture_that_recompression_erases_weighs_less():
    labels, clean, recompressed = _pairs(2, texture_shift_under_jpeg=3.0)
    weight, table = choose_texture_weight(labels, clean, recompressed)
    drops = {row["weight"]: row["jpeg_q40_balanced_accuracy_change"] for row in table}
    assert drops[max(WEIGHTS)] < -MAX_JPEG_DROP  # the heaviest weight breaks the target
    assert drops[weight] >= -MAX_JPEG_DROP or weight == min(WEIGHTS)
    assert weight < max(WEIGHTS)


def test_weigh_is_the_convex_blend():
    pairs = np.array([[1.0, 3.0], [-2.0, 2.0]])
    np.testing.assert_allclose(weigh(pairs, 0.25), [1.5, -1.0])
