"""The end of a run, from its best weights: texture head, calibration, decision, metrics.

Fits the texture head (if any) on the training images and their web copies, chooses its blend
weight, folds Platt scaling fitted on validation into the head, chooses the threshold and the
unsure band there, and writes ``decision.json``, ``metrics.json`` and the plots.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from aiorhuman.training import metrics as m
from aiorhuman.training import plots
from aiorhuman.training.blend import choose_texture_weight
from aiorhuman.training.degrade import jpeg
from aiorhuman.training.model import (
    fit_texture_head,
    fold_calibration,
    fold_standardization,
    logit_pairs,
    set_texture_weight,
)
from aiorhuman.training.pipeline import degraded_dataset, eval_dataset, web_copies_dataset
from aiorhuman.training.runs import WEIGHTS

# Texture statistics are what recompression changes most: the texture head is fitted on the
# training images as they are plus this many passes of random web copies (rescaled and
# re-encoded at full resolution, ``training.degrade.random_web_copy``), so that it learns the
# texture that survives them (experiments/texture_fit.py).
TEXTURE_WEB_PASSES = 3


def finish(out: Path, config, model, train, val, test) -> dict:
    """Fit the texture head (if any) on ``train``, calibrate on ``val``, choose threshold and
    band there, save the weights, and write metrics and plots (``test`` scored if given)."""
    fold_standardization(model)
    if config.pooling == "head+texture":
        size, batch = config.input_size, config.batch_size
        batches = eval_dataset(train, size, batch).concatenate(
            web_copies_dataset(train, size, batch, config.seed, TEXTURE_WEB_PASSES)
        )
        fit_texture_head(model, batches)
    val_data = eval_dataset(val, config.input_size, config.batch_size)
    val_labels = np.array([s.label for s in val])
    texture_weight = None
    if config.pooling == "head+texture":
        texture_weight = _choose_texture_weight(model, val, val_data, val_labels, config)
    probs = np.clip(model.predict(val_data, verbose=0).reshape(-1), 1e-7, 1 - 1e-7)
    scale, bias = m.fit_platt(val_labels, np.log(probs / (1 - probs)))
    fold_calibration(model, scale, bias)
    model.save_weights(str(out / WEIGHTS))
    probs = model.predict(val_data, verbose=0).reshape(-1)
    threshold = m.choose_threshold(val_labels, probs)
    band = m.choose_unsure_band(val_labels, probs, threshold)
    decision = {
        "threshold": round(threshold, 4),
        "unsure_band": band,
        "calibration": {"method": "platt", "scale": scale, "bias": bias},
        "chosen_on": "validation",
    }
    if texture_weight:
        decision["texture_weight"] = texture_weight
    (out / "decision.json").write_text(json.dumps(decision, indent=2) + "\n")
    results = {"validation": m.classification_metrics(val_labels, probs, threshold)}
    results["validation"]["verdicts"] = m.verdict_counts(probs, band)
    plots.evaluation_plots(val_labels, probs, results["validation"], out / "plots")
    if test:
        test_data = eval_dataset(test, config.input_size, config.batch_size)
        test_labels = np.array([s.label for s in test])
        test_probs = model.predict(test_data, verbose=0).reshape(-1)
        results["test"] = m.classification_metrics(test_labels, test_probs, threshold)
        results["test"]["verdicts"] = m.verdict_counts(test_probs, band)
        plots.evaluation_plots(test_labels, test_probs, results["test"], out / "plots" / "test")
    (out / "metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


def _choose_texture_weight(model, val, val_data, val_labels, config) -> dict:
    """Set the blend's texture weight by ``training.blend``'s rule; return how it was chosen."""
    print("choosing the texture weight on validation, clean and at JPEG 40", file=sys.stderr)
    size, batch = config.input_size, config.batch_size
    clean = logit_pairs(model, val_data)
    recompressed = logit_pairs(model, degraded_dataset(val, size, batch, jpeg(40)))
    weight, table = choose_texture_weight(val_labels, clean, recompressed)
    set_texture_weight(model, weight)
    print(f"texture weight {weight}", file=sys.stderr)
    return {"weight": weight, "chosen_on": "validation", "table": table}
