"""Frozen ImageNet features + a small head, Lite0 against Lite2, on a run's own splits.

    python -m experiments.frozen_backbones --run runs/lite0-v3-split --pairs .cache/taef2 \
        --out runs/frozen-backbones.json

What a larger backbone buys when it cannot be fine-tuned on this machine: for each backbone
at its native size, the pooled head features and the early stages' texture statistics
(``pooling="head+texture"``) of every image of the run's splits are computed once (cached in
``.cache/features``), then a standardised logistic regression is fitted on the training split
(with and without the cached TAEF2 reconstructions of its human images as AI examples),
its threshold chosen on validation by training's rule, and scored on the test split. Also
reported: single-image latency of each backbone (Keras, this CPU).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

CACHE = Path(".cache/features")


def features(name: str, size: int, paths: list[Path]) -> np.ndarray:
    """Head + texture features of ``paths`` (cached per backbone, size and file name)."""
    from aiorhuman.training.backbones import BackboneSpec, build_backbone
    from aiorhuman.training.data import Sample
    from aiorhuman.training.pipeline import eval_dataset

    cache = CACHE / f"{name}-{size}.npz"
    stored = dict(np.load(cache)) if cache.is_file() else {}
    keys = [f"{p.parent.name}/{p.name}" for p in paths]
    todo = [(k, p) for k, p in zip(keys, paths, strict=True) if k not in stored]
    if todo:
        model = build_backbone(BackboneSpec(name, pooling="head+texture"), size)
        data = eval_dataset([Sample(p, 0, k) for k, p in todo], size, 32)
        values = model.predict(data.map(lambda x, y: x), verbose=0)
        stored.update({k: v for (k, _), v in zip(todo, values, strict=True)})
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **stored)
    return np.stack([stored[k] for k in keys])


def latency_ms(name: str, size: int, repeats: int = 20) -> float:
    """Median time of one single-image forward pass."""
    from aiorhuman.training.backbones import BackboneSpec, build_backbone

    model = build_backbone(BackboneSpec(name, "random", pooling="head+texture"), size)
    pixels = np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)).astype(np.float32)
    model(pixels, training=False)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(pixels, training=False)
        times.append(time.perf_counter() - start)
    return round(1000 * float(np.median(times)), 1)


def evaluate(train_x, train_y, val_x, val_y, test_x, test_y) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from aiorhuman.training import metrics as m

    model = make_pipeline(
        StandardScaler(), LogisticRegression(C=0.003, class_weight="balanced", max_iter=5000)
    ).fit(train_x, train_y)
    threshold = m.choose_threshold(val_y, model.predict_proba(val_x)[:, 1])
    test = m.classification_metrics(test_y, model.predict_proba(test_x)[:, 1], threshold)
    return {
        k: round(test[k], 4) for k in ("roc_auc", "balanced_accuracy", "false_positive_rate")
    } | {"threshold": round(threshold, 4)}


def main() -> None:
    from aiorhuman.training.backbones import backbone
    from aiorhuman.training.data import load_labelled

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, type=Path)
    parser.add_argument("--pairs", type=Path, help="folder of TAEF2 reconstructions")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    config = json.loads((args.run / "config.json").read_text())
    samples, _ = load_labelled(config["data"], check=False)
    by_key = {s.key: s for s in samples}
    splits = json.loads((args.run / "splits.json").read_text())
    parts = {n: [by_key[r["file"]] for r in rows] for n, rows in splits.items()}
    pairs = []
    if args.pairs:
        pairs = [args.pairs / s.path.name for s in parts["train"] if s.label == 0]
        pairs = [p for p in pairs if p.is_file()]
    report = {"run": str(args.run), "pairs": len(pairs)}
    for name in ("efficientnet_lite0", "efficientnet_lite2"):
        size = backbone(name).input_size
        start = time.perf_counter()
        x = {n: features(name, size, [s.path for s in part]) for n, part in parts.items()}
        y = {n: np.array([s.label for s in part]) for n, part in parts.items()}
        seconds = time.perf_counter() - start
        entry = {"size": size, "feature_seconds": round(seconds, 1)}
        entry["latency_ms"] = latency_ms(name, size)
        entry["frozen features"] = evaluate(
            x["train"], y["train"], x["validation"], y["validation"], x["test"], y["test"]
        )
        if pairs:
            pair_x = features(name, size, pairs)
            entry["frozen features + pairs"] = evaluate(
                np.concatenate([x["train"], pair_x]),
                np.concatenate([y["train"], np.ones(len(pairs), int)]),
                x["validation"],
                y["validation"],
                x["test"],
                y["test"],
            )
        report[name] = entry
        print(name, json.dumps(entry))
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
