"""``aiorhuman-train``: fine-tune an ImageNet backbone into an AI-vs-human classifier.

Two phases: the head alone with the backbone frozen (warm-up), then the top of the backbone
at a lower learning rate. Early stopping and checkpointing follow validation ROC-AUC; an
interrupted run resumes where it stopped when started again with the same ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from aiorhuman.training.runs import WEIGHTS, load_weights_into_new_model

# Texture statistics are what recompression changes most: the texture head is fitted on the
# training images as they are plus this many passes of random web copies (rescaled and
# re-encoded at full resolution, ``training.degrade.random_web_copy``), so that it learns the
# texture that survives them (benchmarks/texture_fit.py).
TEXTURE_WEB_PASSES = 3


def _configure_devices(cpu_devices: int) -> None:
    """Split the CPU into logical devices (to exercise the distributed path without GPUs)."""
    import tensorflow as tf

    if cpu_devices > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(cpu_devices)]
        )


def choose_strategy(name: str):
    """The tf.distribute strategy: multi-worker from TF_CONFIG, mirrored over GPUs, or default."""
    import tensorflow as tf

    if name == "auto":
        if "TF_CONFIG" in os.environ:
            name = "multiworker"
        elif len(tf.config.list_logical_devices("GPU")) > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices)
    if name == "default":
        return tf.distribute.get_strategy()
    raise ValueError(f"unknown strategy {name!r}")


def split_samples(config, samples: list) -> tuple[list, list, list]:
    """``(train, validation, test)`` as ``config`` splits ``samples``: deterministic per seed."""
    from aiorhuman.training.data import find_metadata, load_metadata
    from aiorhuman.training.splits import source_holdout, stratified_split

    rest, test = samples, []
    if config.holdout_sources:
        metadata_path = find_metadata(config.data)
        if metadata_path is None:
            raise SystemExit("--holdout-source needs a metadata.csv beside the data")
        sources = {k: row["source"] for k, row in load_metadata(metadata_path).items()}
        rest, test = source_holdout(samples, sources, config.holdout_sources)
    elif config.test_fraction:
        rest, test = stratified_split(samples, config.test_fraction, config.seed + 1)
    train, val = stratified_split(rest, config.val_fraction, config.seed)
    return train, val, test


def write_splits(out: Path, train: list, val: list, test: list) -> None:
    """Record which files went to which split (``splits.json``)."""
    splits = {
        name: [{"file": s.key, "label": s.label} for s in part]
        for name, part in (("train", train), ("validation", val), ("test", test))
    }
    (out / "splits.json").write_text(json.dumps(splits) + "\n")


class _Trainer:
    """Holds the state of one run while its phases execute."""

    def __init__(self, config, out: Path) -> None:
        import tensorflow as tf
        import tf_keras as keras

        from aiorhuman.training.data import load_labelled

        self.config, self.out = config, out
        self.keras = keras
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

    def datasets(self):
        from aiorhuman.training.pipeline import eval_dataset, training_dataset

        c = self.config
        batch = c.batch_size * self.strategy.num_replicas_in_sync
        train = training_dataset(self.train, c.input_size, batch, c.augment, c.seed)
        val = eval_dataset(self.val, c.input_size, batch)
        return train, val

    def class_weight(self) -> dict[int, float]:
        labels = np.array([s.label for s in self.train])
        counts = np.bincount(labels, minlength=2)
        return {k: float(len(labels) / (2 * counts[k])) for k in (0, 1)}


def _val_auc_callback(keras, model, val, labels: np.ndarray):
    from sklearn.metrics import roc_auc_score

    class ValidationAUC(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            probs = model.predict(val, verbose=0).reshape(-1)
            logs["val_roc_auc"] = float(roc_auc_score(labels, probs))
            print(f"  validation ROC-AUC {logs['val_roc_auc']:.4f}", file=sys.stderr)

    return ValidationAUC()


class _History:
    """Appends each epoch's logs to history.csv, across phases and resumes."""

    FIELDS = ("epoch", "phase", "loss", "accuracy", "val_loss", "val_accuracy", "val_roc_auc")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = list(csv.DictReader(path.open())) if path.is_file() else []

    def callback(self, keras, phase: str, offset: int):
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
    keras, out, c = trainer.keras, trainer.out, trainer.config
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
        _val_auc_callback(keras, model, val, val_labels),
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
        history.callback(keras, phase, offset),
    ]
    print(f"phase {phase}: {epochs} epochs at learning rate {lr:g}", file=sys.stderr)
    model.fit(
        train,
        validation_data=val,
        epochs=epochs,
        class_weight=trainer.class_weight(),
        callbacks=callbacks,
        verbose=1 if sys.stderr.isatty() else 2,
    )
    scores = [float(r["val_roc_auc"]) for r in history.rows if r.get("val_roc_auc")]
    state[phase] = {"done": True}
    state["best_val_roc_auc"] = max(scores) if scores else best
    (out / "state.json").write_text(json.dumps(state, indent=2) + "\n")


def _finish(trainer: _Trainer) -> dict:
    """Finish the run from its best weights (see ``finish``)."""
    model = load_weights_into_new_model(trainer.config, trainer.out / WEIGHTS)
    return finish(trainer.out, trainer.config, model, trainer.train, trainer.val, trainer.test)


def finish(out: Path, config, model, train, val, test) -> dict:
    """Fit the texture head (if any) on ``train``, calibrate on ``val``, choose threshold and
    band there, save the weights, and write metrics and plots (``test`` scored if given)."""
    from aiorhuman.training import metrics as m
    from aiorhuman.training import plots
    from aiorhuman.training.model import fit_texture_head, fold_calibration, fold_standardization
    from aiorhuman.training.pipeline import eval_dataset, web_copies_dataset

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
    from aiorhuman.training.blend import choose_texture_weight
    from aiorhuman.training.degrade import jpeg
    from aiorhuman.training.model import logit_pairs, set_texture_weight
    from aiorhuman.training.pipeline import degraded_dataset

    print("choosing the texture weight on validation, clean and at JPEG 40", file=sys.stderr)
    size, batch = config.input_size, config.batch_size
    clean = logit_pairs(model, val_data)
    recompressed = logit_pairs(model, degraded_dataset(val, size, batch, jpeg(40)))
    weight, table = choose_texture_weight(val_labels, clean, recompressed)
    set_texture_weight(model, weight)
    print(f"texture weight {weight}", file=sys.stderr)
    return {"weight": weight, "chosen_on": "validation", "table": table}


def train(config, out: Path) -> dict:
    """Run (or resume) training into ``out``; returns the final metrics."""
    from aiorhuman.training import plots
    from aiorhuman.training.backbones import fine_tune_layers
    from aiorhuman.training.model import adapt_standardization, backbone_of, build_classifier
    from aiorhuman.training.pipeline import eval_dataset

    out.mkdir(parents=True, exist_ok=True)
    config.save(out / "config.json")
    trainer = _Trainer(config, out)
    state_path = out / "state.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    history = _History(out / "history.csv")
    with trainer.strategy.scope():
        model = build_classifier(config)
        adapt_standardization(
            model, eval_dataset(trainer.train, config.input_size, config.batch_size)
        )
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


def parse_args(argv: list[str] | None):
    from aiorhuman.training.augment import AugmentConfig
    from aiorhuman.training.backbones import backbone, registry
    from aiorhuman.training.backbones.efficientnet_lite import POOLINGS
    from aiorhuman.training.config import TrainConfig

    d = TrainConfig()
    p = argparse.ArgumentParser(prog="aiorhuman-train", description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="train.csv, a folder holding one, or ai/ + human/")
    p.add_argument("--out", required=True, type=Path, help="run directory (resumed if it exists)")
    p.add_argument("--backbone", choices=tuple(registry()), default=d.backbone)
    p.add_argument(
        "--weights",
        default=d.weights,
        help="imagenet | hub | random | a Keras weights file (see README)",
    )
    p.add_argument(
        "--hub-handle", default=d.hub_handle, help="TF Hub handle or local module folder"
    )
    p.add_argument("--input-size", type=int, help="default: the backbone's native size")
    p.add_argument(
        "--pooling",
        choices=POOLINGS,
        default=d.pooling,
        help="head: pooled head features; stages: every stage's pooled features too (Lite0); "
        "head+texture: head, plus a texture head on early stages fitted at the end (Lite0)",
    )
    p.add_argument(
        "--texture-hidden",
        type=int,
        default=d.texture_hidden,
        help="hidden ReLU units of the texture head (pooling head+texture); 0: linear",
    )
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--warmup-epochs", type=int, default=d.warmup_epochs)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--learning-rate", type=float, default=d.learning_rate)
    p.add_argument("--fine-tune-learning-rate", type=float, default=d.fine_tune_learning_rate)
    p.add_argument(
        "--fine-tune-fraction",
        type=float,
        default=d.fine_tune_fraction,
        help="share of the backbone's layers (from the top) to fine-tune",
    )
    p.add_argument("--dropout", type=float, default=d.dropout)
    p.add_argument(
        "--weight-decay", type=float, default=d.weight_decay, help="L2 penalty on the logit layer"
    )
    p.add_argument("--patience", type=int, default=d.patience)
    p.add_argument("--val-fraction", type=float, default=d.val_fraction)
    p.add_argument(
        "--test-fraction",
        type=float,
        default=d.test_fraction,
        help="hold out this share as a test split, scored at the end",
    )
    p.add_argument(
        "--holdout-source",
        action="append",
        default=[],
        help="hold out every image of this metadata.csv source as the test split",
    )
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument(
        "--strategy", choices=("auto", "default", "mirrored", "multiworker"), default="auto"
    )
    p.add_argument(
        "--cpu-devices",
        type=int,
        default=1,
        help="split the CPU into N logical devices (tests the distributed path)",
    )
    p.add_argument("--no-augment", action="store_true")
    p.add_argument(
        "--pairs",
        help="folder of autoencoder reconstructions of human training images "
        "(python -m aiorhuman.training.reconstruct), added as AI examples",
    )
    args = p.parse_args(argv)
    config = replace(
        d,
        data=str(args.data),
        backbone=args.backbone,
        weights=args.weights,
        hub_handle=args.hub_handle,
        input_size=args.input_size or backbone(args.backbone).input_size,
        pooling=args.pooling,
        texture_hidden=args.texture_hidden,
        epochs=args.epochs,
        warmup_epochs=args.warmup_epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        fine_tune_learning_rate=args.fine_tune_learning_rate,
        fine_tune_fraction=args.fine_tune_fraction,
        dropout=args.dropout,
        weight_decay=args.weight_decay,
        patience=args.patience,
        val_fraction=args.val_fraction,
        test_fraction=args.test_fraction,
        holdout_sources=args.holdout_source,
        seed=args.seed,
        strategy=args.strategy,
        augment=AugmentConfig(enabled=not args.no_augment),
        pairs=args.pairs or "",
    )
    return config, args


def main(argv: list[str] | None = None) -> None:
    config, args = parse_args(argv)
    from aiorhuman.training.config import TrainConfig

    if (args.out / "config.json").is_file():
        state_path = args.out / "state.json"
        if state_path.is_file() and json.loads(state_path.read_text()).get("finished"):
            raise SystemExit(f"{args.out} holds a finished run; choose another --out")
        print(f"resuming the run in {args.out} with its saved config", file=sys.stderr)
        config = TrainConfig.load(args.out / "config.json")
    _configure_devices(args.cpu_devices)
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
