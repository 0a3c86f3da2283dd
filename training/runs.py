"""A run directory: what training writes and how evaluation, prediction and export read it.

```
RUN_DIR/
├─ config.json        TrainConfig
├─ model.weights.h5   the best weights (calibration folded into the head)
├─ decision.json      threshold and unsure band, chosen on validation data
├─ metrics.json       validation (and test, if a test split was held out) metrics
├─ history.csv        per-epoch losses and metrics
├─ splits.json        which files went to train / validation / test
├─ data_report.json   missing, unreadable, unlabelled, duplicate files
├─ plots/             training curves, ROC, confusion matrix, reliability diagram
└─ checkpoints/       state for resuming an interrupted run
```
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import tf_keras as keras

from aiorhuman.training.backbones import backbone
from aiorhuman.training.config import TrainConfig
from aiorhuman.training.model import build_classifier

WEIGHTS = "model.weights.h5"


@dataclass
class Run:
    """A finished training run, loaded."""

    path: Path
    config: TrainConfig
    model: keras.Model
    decision: dict
    metrics: dict


def is_run(path: Path) -> bool:
    """Whether ``path`` looks like a finished run directory."""
    return (path / "config.json").is_file() and (path / WEIGHTS).is_file()


def load_run(path: str | Path) -> Run:
    """Rebuild the run's model from its config and load its best weights."""
    path = Path(path)
    if not is_run(path):
        raise FileNotFoundError(f"{path}: not a finished run (needs config.json and {WEIGHTS})")
    config = TrainConfig.load(path / "config.json")
    model = load_weights_into_new_model(config, path / WEIGHTS)
    decision = json.loads((path / "decision.json").read_text())
    metrics_path = path / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    return Run(path, config, model, decision, metrics)


def load_weights_into_new_model(config: TrainConfig, weights: Path) -> keras.Model:
    """A classifier with the architecture of ``config`` and the weights of ``weights``."""
    # ImageNet weights would be overwritten anyway: skip loading them.
    model = build_classifier(
        TrainConfig.from_json({**config.to_json(), "weights": _rebuild_weights(config)})
    )
    model.load_weights(str(weights))
    return model


def _rebuild_weights(config: TrainConfig) -> str:
    # A hub backbone is rebuilt from its handle (its weights live in the module).

    if config.weights in backbone(config.backbone).weights_in_graph:
        return config.weights
    return "random"
