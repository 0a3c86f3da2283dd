"""Training configuration: every knob of a run, saved as the run's ``config.json``."""

from __future__ import annotations

import argparse
import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from aiorhuman.training.augment import AugmentConfig
from aiorhuman.training.backbones import RESNET_HUB_HANDLE, registry
from aiorhuman.training.backbones.efficientnet_lite import POOLINGS

BACKBONES = tuple(registry())
_TYPES = {"int": int, "float": float, "str": str}


def setting(default: Any = MISSING, help: str = "", factory: Any = MISSING, **flag: Any) -> Any:
    """A ``TrainConfig`` field that is also a command-line flag: its help and any argparse
    options (``choices``, ``required``); ``flag`` names it when ``--field-name`` does not fit,
    ``cli_default`` overrides the default on the command line, ``from_flag`` converts the
    parsed value."""
    metadata = {"help": help, **flag}
    if factory is not MISSING:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class TrainConfig:
    """Hyperparameters and data options of one training run (each is an ``aiorhuman-train``
    flag, made by ``add_flags``)."""

    data: str = setting("", "train.csv, a folder holding one, or ai/ + human/", required=True)
    backbone: str = setting("efficientnet_lite0", "see docs/training.md", choices=BACKBONES)
    weights: str = setting(
        "imagenet", "imagenet | hub | random | a Keras weights file (docs/training.md)"
    )
    hub_handle: str = setting(RESNET_HUB_HANDLE, "TF Hub handle or local module folder")
    input_size: int = setting(224, "default: the backbone's native size", cli_default=None)
    pooling: str = setting(
        "head",
        "head: pooled head features; stages: every stage's pooled features too (Lite0); "
        "head+texture: head, plus a texture head on early stages fitted at the end (Lite0)",
        choices=POOLINGS,
    )
    texture_hidden: int = setting(
        64, "hidden ReLU units of the texture head (pooling head+texture); 0: linear"
    )
    epochs: int = setting(12, "epochs in all, warm-up included")
    warmup_epochs: int = setting(3, "epochs of the head alone, the backbone frozen")
    batch_size: int = setting(32, "images per step")
    learning_rate: float = setting(1e-3, "learning rate of the warm-up")
    fine_tune_learning_rate: float = setting(1e-4, "learning rate of the fine-tuning phase")
    fine_tune_fraction: float = setting(
        0.3, "share of the backbone's layers (from the top) to fine-tune"
    )
    dropout: float = setting(0.3, "dropout before the logit")
    label_smoothing: float = setting(0.0, "label smoothing of the loss")
    weight_decay: float = setting(1e-5, "L2 penalty on the logit layer")
    patience: int = setting(4, "epochs without a better validation ROC-AUC before stopping")
    val_fraction: float = setting(0.15, "share of the images held out for validation")
    test_fraction: float = setting(0.0, "hold out this share as a test split, scored at the end")
    holdout_sources: list[str] = setting(  # noqa: RUF009 (a field() with a factory)
        help="hold out every image of this metadata.csv source as the test split (repeatable)",
        factory=list,
        flag="--holdout-source",
    )
    train_on_test: bool = setting(
        False,
        "train on the test split too (a release fit, once a run holding it out has measured "
        "the recipe): the validation images stay those of that run",
    )
    seed: int = setting(1337, "fixes splits, initialisation and augmentation")
    strategy: str = setting(
        "auto", "tf.distribute strategy", choices=("auto", "default", "mirrored", "multiworker")
    )
    augment: AugmentConfig = setting(  # noqa: RUF009 (a field() with a factory)
        help="train without augmentation",
        factory=AugmentConfig,
        flag="--no-augment",
        from_flag=lambda off: AugmentConfig(enabled=not off),
    )
    source_balance: float = setting(
        0.0,
        "weigh each training image by 1/n^POWER, n the training images of its metadata.csv "
        "source and label, so that large sources do not dominate (1: every source equal); "
        "0: classes balanced only",
    )
    consistency: float = setting(
        0.0,
        "weight of the consistency term: each training image is also seen as a web copy of "
        "itself (rescaled, JPEG) and the squared difference of the two logits is penalised "
        "(each step then costs about twice as much); 0: off",
    )
    init_weights: str = setting(
        "",
        "start from these weights (a run's model.weights.h5, same backbone and pooling); "
        "with --warmup-epochs 0 this continues that run's fine-tune",
    )
    pairs: str = setting(
        "",
        "folder of autoencoder reconstructions of human training images "
        "(python -m aiorhuman.training.reconstruct), added as AI examples",
    )

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


def add_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per ``TrainConfig`` field, from its type, default and metadata."""
    for f in fields(TrainConfig):
        meta = dict(f.metadata)
        name = meta.pop("flag", "--" + f.name.replace("_", "-"))
        meta.pop("from_flag", None)
        default = meta.pop("cli_default", f.default)
        if f.type == "list[str]":
            parser.add_argument(name, dest=f.name, action="append", default=[], **meta)
        elif f.type in ("bool", "AugmentConfig"):
            parser.add_argument(name, dest=f.name, action="store_true", **meta)
        else:
            parser.add_argument(name, dest=f.name, type=_TYPES[f.type], default=default, **meta)


def from_flags(args: argparse.Namespace) -> TrainConfig:
    """The ``TrainConfig`` that parsed flags (``add_flags``) describe."""
    values = {}
    for f in fields(TrainConfig):
        value = getattr(args, f.name)
        convert = f.metadata.get("from_flag")
        values[f.name] = convert(value) if convert else value
    return TrainConfig(**values)
