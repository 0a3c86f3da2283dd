"""``aiorhuman-train``: fine-tune an ImageNet backbone into an AI-vs-human classifier.

Two phases: the head alone with the backbone frozen (warm-up), then the top of the backbone
at a lower learning rate. Early stopping and checkpointing follow validation ROC-AUC; an
interrupted run resumes where it stopped when started again with the same ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras as keras
from sklearn.metrics import roc_auc_score

from aiorhuman.training import plots
from aiorhuman.training.backbones import backbone, fine_tune_layers
from aiorhuman.training.balance import source_balanced_weights
from aiorhuman.training.config import TrainConfig, add_flags, from_flags
from aiorhuman.training.consistency import with_consistency
from aiorhuman.training.data import load_labelled, load_sources
from aiorhuman.training.distribute import choose_strategy, configure_devices
from aiorhuman.training.finish import finish
from aiorhuman.training.model import adapt_standardization, backbone_of, build_classifier
from aiorhuman.training.pipeline import eval_dataset, paired_training_dataset, training_dataset
from aiorhuman.training.runs import WEIGHTS, load_weights_into_new_model
from aiorhuman.training.splits import split_samples, write_splits


class _Trainer:
    """Holds the state of one run while its phases execute."""

    def __init__(self, config, out: Path) -> None:
        self.config, self.out = config, out
        keras.utils.set_random_seed(config.seed)
        if tf.config.list_physical_devices("GPU"):
            keras.mixed_precision.set_global_policy("mixed_float16")
        self.strategy = choose_strategy(config.strategy)
        print(
            f"strategy {type(self.strategy).__name__} over "
            f"{self.strategy.num_replicas_in_sync} replicas",
            file=sys.stderr,
        )

        samples, report = load_labelled(config.data)
        print(report.summary(), file=sys.stderr)
        (out / "data_report.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
        if len({s.label for s in samples}) < 2:
            raise SystemExit("training needs images of both labels (ai and human)")

        self.train, self.val, self.test = split_samples(config, samples)
        write_splits(out, self.train, self.val, self.test)
        print(
            f"train {len(self.train)}, validation {len(self.val)}, test {len(self.test)}",
            file=sys.stderr,
        )
        if config.pairs:
            from aiorhuman.training.pairs import pair_samples

            pairs = pair_samples(Path(config.pairs), self.train, out / "pairs.json")
            print(f"adding {len(pairs)} reconstructions as AI examples", file=sys.stderr)
            self.train = self.train + pairs
        self.weights = self._loss_weights()

    def _loss_weights(self) -> np.ndarray:
        """Each training image's loss weight: the classes balanced, and with
        ``--source-balance`` the sources too."""
        power = self.config.source_balance
        if not power:
            return source_balanced_weights(self.train, {}, 0.0)
        sources = load_sources(self.config.data, "--source-balance")
        weights = source_balanced_weights(self.train, sources, power)
        print(
            f"source-balanced weights from {weights.min():.2f} to {weights.max():.2f}",
            file=sys.stderr,
        )
        return weights

    def datasets(self):
        c = self.config
        batch = c.batch_size * self.strategy.num_replicas_in_sync
        make_training = paired_training_dataset if c.consistency else training_dataset
        train = make_training(self.train, c.input_size, batch, c.augment, c.seed, self.weights)
        val = eval_dataset(self.val, c.input_size, batch)
        return train, val


def _val_auc_callback(model, val, labels: np.ndarray):
    class ValidationAUC(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            probs = model.predict(val, verbose=0).reshape(-1)
            logs["val_roc_auc"] = float(roc_auc_score(labels, probs))
            print(f"  validation ROC-AUC {logs['val_roc_auc']:.4f}", file=sys.stderr)

    return ValidationAUC()


class _History:
    """Appends each epoch's logs to history.csv, across phases and resumes."""

    FIELDS = (
        "epoch",
        "phase",
        "loss",
        "accuracy",
        "consistency",
        "val_loss",
        "val_accuracy",
        "val_roc_auc",
    )

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = list(csv.DictReader(path.open())) if path.is_file() else []

    def callback(self, phase: str, offset: int):
        def on_epoch_end(epoch, logs):
            row = {"epoch": offset + epoch + 1, "phase": phase}
            row.update({k: round(float(logs[k]), 6) for k in self.FIELDS[2:] if k in logs})
            self.rows = [r for r in self.rows if int(r["epoch"]) != row["epoch"]] + [row]
            with self.path.open("w", newline="") as f:
                writer = csv.DictWriter(f, self.FIELDS)
                writer.writeheader()
                writer.writerows(self.rows)

        return keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)

    def as_floats(self) -> list[dict]:
        return [
            {k: (v if k == "phase" else float(v)) for k, v in row.items() if v not in ("", None)}
            for row in self.rows
        ]


def _run_phase(
    trainer: _Trainer,
    model,
    phase: str,
    epochs: int,
    offset: int,
    lr: float,
    state: dict,
    history: _History,
):
    out, c = trainer.out, trainer.config
    if state.get(phase, {}).get("done") or epochs <= 0:
        return
    train, val = trainer.datasets()
    val_labels = np.array([s.label for s in trainer.val])
    with trainer.strategy.scope():
        model.compile(
            optimizer=keras.optimizers.Adam(lr),
            loss=keras.losses.BinaryCrossentropy(label_smoothing=c.label_smoothing),
            metrics=["accuracy"],
        )
    best = state.get("best_val_roc_auc")
    callbacks = [
        _val_auc_callback(model, val, val_labels),
        keras.callbacks.ModelCheckpoint(
            str(out / WEIGHTS),
            monitor="val_roc_auc",
            mode="max",
            save_best_only=True,
            save_weights_only=True,
            initial_value_threshold=best,
        ),
        keras.callbacks.EarlyStopping(monitor="val_roc_auc", mode="max", patience=c.patience),
        keras.callbacks.BackupAndRestore(str(out / "checkpoints" / phase)),
        history.callback(phase, offset),
    ]
    print(f"phase {phase}: {epochs} epochs at learning rate {lr:g}", file=sys.stderr)
    model.fit(
        train,
        validation_data=val,
        epochs=epochs,
        callbacks=callbacks,
        verbose=1 if sys.stderr.isatty() else 2,
    )
    scores = [float(r["val_roc_auc"]) for r in history.rows if r.get("val_roc_auc")]
    state[phase] = {"done": True}
    state["best_val_roc_auc"] = max(scores) if scores else best
    (out / "state.json").write_text(json.dumps(state, indent=2) + "\n")


def _finish(trainer: _Trainer) -> dict:
    """Finish the run from its best weights (``aiorhuman.training.finish``)."""
    model = load_weights_into_new_model(trainer.config, trainer.out / WEIGHTS)
    return finish(trainer.out, trainer.config, model, trainer.train, trainer.val, trainer.test)


def train(config, out: Path) -> dict:
    """Run (or resume) training into ``out``; returns the final metrics."""
    out.mkdir(parents=True, exist_ok=True)
    config.save(out / "config.json")
    trainer = _Trainer(config, out)
    state_path = out / "state.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    history = _History(out / "history.csv")
    with trainer.strategy.scope():
        model = build_classifier(config)
        if config.consistency:
            model = with_consistency(model, config.consistency)
        adapt_standardization(
            model, eval_dataset(trainer.train, config.input_size, config.batch_size)
        )
        if config.init_weights:
            start = load_weights_into_new_model(config, Path(config.init_weights))
            model.set_weights(start.get_weights())
    warmup = min(config.warmup_epochs, config.epochs)
    _run_phase(trainer, model, "warmup", warmup, 0, config.learning_rate, state, history)

    if config.epochs > warmup and config.fine_tune_fraction > 0:
        if (out / WEIGHTS).is_file():
            # Start from the best warm-up weights. (Keras cannot load .h5 weights straight
            # into a distributed model, so they pass through a plain copy.)
            model.set_weights(load_weights_into_new_model(config, out / WEIGHTS).get_weights())
        backbone = backbone_of(model)
        backbone.trainable = True
        unfrozen = set(map(id, fine_tune_layers(backbone, config.fine_tune_fraction)))
        for layer in backbone.layers:
            layer.trainable = id(layer) in unfrozen
        print(f"fine-tuning {len(unfrozen)} backbone layers", file=sys.stderr)
        _run_phase(
            trainer,
            model,
            "finetune",
            config.epochs - warmup,
            warmup,
            config.fine_tune_learning_rate,
            state,
            history,
        )
    if history.rows:
        plots.training_curves(history.as_floats(), out / "plots" / "training_curves.png")
    results = _finish(trainer)
    state["finished"] = True
    state_path.write_text(json.dumps(state, indent=2) + "\n")
    return results


def parse_args(argv: list[str] | None) -> tuple[TrainConfig, argparse.Namespace]:
    """The run's config (every ``TrainConfig`` field is a flag) and the run options."""
    p = argparse.ArgumentParser(prog="aiorhuman-train", description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, type=Path, help="run directory (resumed if it exists)")
    p.add_argument(
        "--cpu-devices",
        type=int,
        default=1,
        help="split the CPU into N logical devices (tests the distributed path)",
    )
    add_flags(p)
    args = p.parse_args(argv)
    config = from_flags(args)
    if config.input_size is None:
        config.input_size = backbone(config.backbone).input_size
    return config, args


def main(argv: list[str] | None = None) -> None:
    config, args = parse_args(argv)
    if (args.out / "config.json").is_file():
        state_path = args.out / "state.json"
        if state_path.is_file() and json.loads(state_path.read_text()).get("finished"):
            raise SystemExit(f"{args.out} holds a finished run; choose another --out")
        print(f"resuming the run in {args.out} with its saved config", file=sys.stderr)
        config = TrainConfig.load(args.out / "config.json")
    configure_devices(args.cpu_devices)
    if args.cpu_devices > 1 and config.strategy == "auto":
        config.strategy = "mirrored"
    results = train(config, args.out)
    v = results["validation"]
    print(
        f"done: validation ROC-AUC {v['roc_auc']:.4f}, balanced accuracy "
        f"{v['balanced_accuracy']:.4f}, ECE {v['ece']:.4f}; run in {args.out}"
    )


if __name__ == "__main__":
    main()
