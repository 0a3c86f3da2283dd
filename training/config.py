"""Training configuration: every knob of a run, saved as the run's ``config.json``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from aiorhuman.training.augment import AugmentConfig
from aiorhuman.training.backbones import RESNET_HUB_HANDLE


@dataclass
class TrainConfig:
    """Hyperparameters and data options of one training run."""

    data: str = ""
    backbone: str = "efficientnet_lite0"
    weights: str = "imagenet"
    hub_handle: str = RESNET_HUB_HANDLE
    input_size: int = 224
    # "head": the backbone's pooled head features; "stages": every stage's too (Lite0 only).
    pooling: str = "head"
    # With "head+texture": hidden ReLU units of the texture head (0: a logistic regression).
    texture_hidden: int = 64
    epochs: int = 12
    warmup_epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-3
    fine_tune_learning_rate: float = 1e-4
    fine_tune_fraction: float = 0.3
    dropout: float = 0.3
    label_smoothing: float = 0.0
    weight_decay: float = 1e-5
    patience: int = 4
    val_fraction: float = 0.15
    test_fraction: float = 0.0
    holdout_sources: list[str] = field(default_factory=list)
    seed: int = 1337
    strategy: str = "auto"
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    # A folder of autoencoder reconstructions of human training images, added as AI examples.
    pairs: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["augment"] = AugmentConfig(**data.get("augment", {}))
        # Runs made before the texture head had a hidden layer have a linear one.
        values.setdefault("texture_hidden", 0)
        return cls(**values)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        return cls.from_json(json.loads(path.read_text()))
