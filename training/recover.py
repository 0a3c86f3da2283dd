"""Turn a bundle back into a run directory, to refit its heads without retraining.

A bundle's SavedModel keeps the Keras model's weights in order (``convert.serving``), and its
card keeps the training configuration, so the Keras model and the run's splits (deterministic
per seed) can be rebuilt exactly. The rebuilt run is checked against the card: same split
sizes, and the same validation ROC-AUC.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import tensorflow as tf
from sklearn.metrics import roc_auc_score

from aiorhuman.training.config import TrainConfig
from aiorhuman.training.data import load_labelled
from aiorhuman.training.model import build_classifier
from aiorhuman.training.pipeline import eval_dataset
from aiorhuman.training.runs import WEIGHTS
from aiorhuman.training.splits import split_samples, write_splits

ROC_AUC_TOLERANCE = 1e-3


def is_bundle(path: Path) -> bool:
    """Whether ``path`` looks like a model bundle (it has a card.json)."""
    return (Path(path) / "card.json").is_file()


def run_from_bundle(bundle_dir: Path, out: Path, data: str | None = None) -> Path:
    """Write the run that produced ``bundle_dir`` (weights, config, splits, decision) to ``out``.

    ``data`` replaces the card's training data path when the data has moved.
    """
    card = json.loads((Path(bundle_dir) / "card.json").read_text())
    if "training_config" not in card:
        raise SystemExit(f"{bundle_dir}: the card has no training_config to rebuild the run from")
    config = TrainConfig.from_json(card["training_config"])
    if data:
        config = replace(config, data=data)
    model = build_classifier(replace(config, weights="random"))
    saved_model = Path(bundle_dir) / card.get("saved_model", {}).get("path", "saved_model")
    variables = tf.saved_model.load(str(saved_model)).model_weights
    if len(variables) != len(model.weights) or any(
        tuple(v.shape) != tuple(w.shape) for v, w in zip(variables, model.weights, strict=True)
    ):
        raise SystemExit(f"{bundle_dir}: its weights do not fit the card's training_config")
    model.set_weights([v.numpy() for v in variables])

    samples, _ = load_labelled(config.data, check=False)
    train, val, test = split_samples(config, samples)
    expected = card.get("training_data", {}).get("splits", {})
    for name, part in (("train", train), ("validation", val), ("test", test)):
        counts = {"human": sum(s.label == 0 for s in part), "ai": sum(s.label == 1 for s in part)}
        if name in expected and counts != expected[name]:
            raise SystemExit(
                f"{config.data}: the {name} split is {counts}, the card says {expected[name]}: "
                "not the bundle's training data"
            )
    card_roc_auc = card.get("metrics", {}).get("validation", {}).get("roc_auc")
    if card_roc_auc is not None:
        print(f"checking the rebuilt model on {len(val)} validation images", file=sys.stderr)
        probs = model.predict(eval_dataset(val, config.input_size, config.batch_size), verbose=0)
        roc_auc = roc_auc_score([s.label for s in val], np.reshape(probs, -1))
        if abs(roc_auc - card_roc_auc) > ROC_AUC_TOLERANCE:
            raise SystemExit(
                f"rebuilt model: validation ROC-AUC {roc_auc:.4f}, card {card_roc_auc:.4f}: "
                "not the bundle's model or data"
            )

    out.mkdir(parents=True, exist_ok=True)
    config.save(out / "config.json")
    write_splits(out, train, val, test)
    model.save_weights(str(out / WEIGHTS))
    decision = {k: card[k] for k in ("threshold", "unsure_band")} | card["decision"]
    (out / "decision.json").write_text(json.dumps(decision, indent=2) + "\n")
    (out / "metrics.json").write_text(json.dumps(card["metrics"], indent=2) + "\n")
    return out
