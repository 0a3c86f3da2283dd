"""What the texture head should be fitted on, and which stages it should read.

The texture head is a logistic regression on ImageNet Lite0's early-stage statistics, which
fine-tuning never changes, so it can be studied on frozen features alone. This extracts them
once (cached) for a run's train, validation and test splits, then fits the head several ways:

- training copies: clean images only; plus 3 passes of the 224 px augmentation with JPEG at
  90% (an earlier recipe); plus 3 passes of full-resolution web copies
  (``training.degrade.random_web_copy``: rescale, then JPEG quality 30-95, before the resize
  to the model input, as the web does); plus 3 passes of web copies of which half are also
  cropped to a common web aspect ratio first (``crop_probability``);
- stages: all five, or without the first one or two (the finest, most JPEG-sensitive);
- the head itself: a logistic regression, or (on web copies, all stages) the shipped
  one-hidden-layer ReLU network (``training.model.fit_texture_layers``).

For each it prints the texture head's own test ROC-AUC, clean and under each web degradation,
with the change of balanced accuracy and the share of flipped decisions at a threshold chosen
on validation (false-positive rate capped as in training); then, for each way of fitting, the
texture head's ROC-AUC on whole source groups left out of its fit (the groups of
``release.leave_sources_out``), the proxy for generators it has never seen.

    python -m experiments.texture_fit --data ../shared/datasets/webmix-dev \\
        --splits runs/lite0-split-v1/splits.json --out runs/texture-fit
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PASSES = 3
AUG224_JPEG_PROBABILITY = 0.9  # the training augmentation, JPEG at 90%
WEB_CROP_PROBABILITY = 0.5
# [mean, std] widths of the texture stages, in the order build() concatenates them.
STAGE_CHANNELS = (16, 24, 40, 80, 112)
ALL_STAGES = "stages 0-4"
STAGE_SETS = {ALL_STAGES: (0, 1, 2, 3, 4), "stages 1-4": (1, 2, 3, 4), "stages 2-4": (2, 3, 4)}
# Ways of fitting the head: the training copies, and hidden ReLU units (0: logistic regression).
RECIPES = {
    "clean": (("clean",), 0),
    "clean + 224 px augmentation": (("clean", "aug224"), 0),
    "clean + web copies": (("clean", "web"), 0),
    "clean + both": (("clean", "aug224", "web"), 0),
    "clean + web copies with crops": (("clean", "webcrop"), 0),
    "clean + web copies, 64 hidden units": (("clean", "web"), 64),
}


def stage_columns(stages: tuple[int, ...]) -> list[int]:
    """Column indices of the texture features of ``stages`` (means and stds)."""
    columns, start = [], 0
    for stage, width in enumerate(STAGE_CHANNELS):
        if stage in stages:
            columns += range(start, start + 2 * width)
        start += 2 * width
    return columns


def extract(data: Path, splits_path: Path, cache: Path) -> dict:
    """Texture features of every split and copy, cached in ``cache`` (an .npz); a cache
    without some of them is completed."""
    import numpy as np

    out = dict(np.load(cache)) if cache.is_file() else {}
    from aiorhuman.training.augment import AugmentConfig
    from aiorhuman.training.backbones.efficientnet_lite import FEATURES, imagenet_model
    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.degrade import DEGRADATIONS
    from aiorhuman.training.pipeline import (
        degraded_dataset,
        eval_dataset,
        training_dataset,
        web_copies_dataset,
    )

    samples, _ = load_labelled(data, check=False)
    by_key = {s.key: s for s in samples}
    splits = json.loads(splits_path.read_text())
    train, val, test = (
        [by_key[r["file"]] for r in splits[n]] for n in ("train", "validation", "test")
    )
    model = imagenet_model(224, pooling="head+texture")

    def features(dataset) -> tuple[np.ndarray, np.ndarray]:
        rows, labels = [], []
        for pixels, label in dataset:
            rows.append(model(pixels, training=False).numpy()[:, FEATURES:])
            labels.append(label.numpy())
        return np.concatenate(rows), np.concatenate(labels).astype(int)

    known = set(out)
    steps = [
        ("train_clean", lambda: features(eval_dataset(train, 224, 32))),
        (
            "train_aug224",
            lambda: features(
                training_dataset(
                    train,
                    224,
                    32,
                    replace(AugmentConfig(), jpeg_probability=AUG224_JPEG_PROBABILITY),
                    1,
                ).repeat(PASSES)
            ),
        ),
        ("train_web", lambda: features(web_copies_dataset(train, 224, 32, 1, PASSES))),
        (
            "train_webcrop",
            lambda: features(
                web_copies_dataset(train, 224, 32, 1, PASSES, crop_probability=WEB_CROP_PROBABILITY)
            ),
        ),
        ("val_clean", lambda: features(eval_dataset(val, 224, 32))),
        ("test_clean", lambda: features(eval_dataset(test, 224, 32))),
    ]
    for name, step in steps:
        if name in out:
            continue
        print(f"extracting {name}", file=sys.stderr, flush=True)
        out[name], out[name + "_labels"] = step()
    for split, part in (("val", val), ("test", test)):
        for name, degrade in DEGRADATIONS.items():
            if (split == "val" and name != "jpeg_q40") or f"{split}_{name}" in out:
                continue
            print(f"extracting {split}_{name}", file=sys.stderr, flush=True)
            out[f"{split}_{name}"] = features(degraded_dataset(part, 224, 32, degrade))[0]
    if set(out) != known:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **out)
    return out


def fit_head(x, y, hidden: int):
    """The texture head of ``training.model`` fitted on features ``x``: a function from
    features to its probability of AI."""
    from scipy.special import expit

    from aiorhuman.training.model import fit_texture_layers, texture_logits

    layers = fit_texture_layers(x, y, hidden)
    return lambda features: expit(texture_logits(layers, features))


def score(features: dict, copies: tuple[str, ...], stages: tuple[int, ...], hidden: int) -> dict:
    """Fit the head on ``copies`` of the training split and measure it on the test split."""
    import numpy as np
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    from aiorhuman.training.metrics import choose_threshold

    columns = stage_columns(stages)
    x = np.concatenate([features[f"train_{c}"][:, columns] for c in copies])
    y = np.concatenate([features[f"train_{c}_labels"] for c in copies])
    head = fit_head(x, y, hidden)

    def probs(name: str) -> np.ndarray:
        return head(features[name][:, columns])

    threshold = choose_threshold(features["val_clean_labels"], probs("val_clean"))
    labels = features["test_clean_labels"]
    clean = probs("test_clean")
    result = {"test_roc_auc": roc_auc_score(labels, clean)}
    base = balanced_accuracy_score(labels, clean >= threshold)
    for name in ("jpeg_q60", "jpeg_q40", "half_size", "crop_4_3", "crop_square"):
        p = probs(f"test_{name}")
        result[name] = {
            "roc_auc": roc_auc_score(labels, p),
            "ba_change": balanced_accuracy_score(labels, p >= threshold) - base,
            "flips": float(np.mean((p >= threshold) != (clean >= threshold))),
        }
    return result


def aug224_order(train_labels: list[int], stored_labels) -> list[int] | None:
    """Which training image each augmented row came from: the pipeline's seeded shuffle,
    replayed; ``None`` if the replay does not reproduce the stored labels."""
    import numpy as np
    import tensorflow as tf

    n = len(train_labels)
    indices = tf.data.Dataset.range(n).shuffle(n, seed=1, reshuffle_each_iteration=True)
    order = np.array(list(indices.repeat(PASSES).as_numpy_iterator()))
    ok = np.array_equal(np.asarray(train_labels)[order], stored_labels)
    return list(order) if ok else None


def held_out_groups(features: dict, data: Path, splits_path: Path, folds: int = 3) -> dict:
    """Texture-only ROC-AUC on whole source groups held out of the fit (as
    ``release.leave_sources_out`` deals them), for each way of fitting (``RECIPES``), with all
    five stages."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from aiorhuman.training.data import load_sources
    from release.leave_sources_out import source_groups

    splits = json.loads(splits_path.read_text())
    sources = load_sources(data, "texture_fit")
    keys = [r["file"] for name in ("train", "validation", "test") for r in splits[name]]
    labels = {r["file"]: r["label"] for part in splits.values() for r in part}
    every = np.concatenate([features[n] for n in ("train_clean", "val_clean", "test_clean")])
    every_source = np.array([sources[k] for k in keys])
    every_label = np.array([labels[k] for k in keys])
    train_keys = [r["file"] for r in splits["train"]]
    train_source = np.array([sources[k] for k in train_keys])
    n = len(train_keys)
    rows = {
        "clean": (features["train_clean"], np.arange(n)),
        "web": (features["train_web"], np.arange(PASSES * n) % n),
        "webcrop": (features["train_webcrop"], np.arange(PASSES * n) % n),
    }
    order = aug224_order([labels[k] for k in train_keys], features["train_aug224_labels"])
    if order is not None:
        rows["aug224"] = (features["train_aug224"], np.array(order))
    results = {}
    groups = source_groups(sources, labels, folds)
    for recipe, (copies, hidden) in RECIPES.items():
        if any(c not in rows for c in copies):
            continue
        aucs = []
        for held in groups:
            x = np.concatenate(
                [rows[c][0][~np.isin(train_source[rows[c][1]], held)] for c in copies]
            )
            y = np.concatenate(
                [every_label[rows[c][1]][~np.isin(train_source[rows[c][1]], held)] for c in copies]
            )
            head = fit_head(x, y, hidden)
            test = np.isin(every_source, held)
            scores = head(every[test])
            aucs.append(round(float(roc_auc_score(every_label[test], scores)), 4))
        results[recipe] = aucs
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--splits", required=True, type=Path, help="a run's splits.json")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    features = extract(args.data, args.splits, args.out / "features.npz")
    rows, results = [], {}
    header = "| fitted on | stages | test ROC-AUC | JPEG 60 | JPEG 40 | half size | 4:3 crop |"
    rows += [header, "|---|---|---|---|---|---|---|"]
    for recipe, (copies, hidden) in RECIPES.items():
        for stage_name, stages in STAGE_SETS.items():
            if hidden and stage_name != ALL_STAGES:
                continue
            r = score(features, copies, stages, hidden)
            results[f"{recipe} / {stage_name}"] = r
            cells = [
                f"{r[d]['roc_auc']:.3f}, {100 * r[d]['ba_change']:+.1f} pts, "
                f"{100 * r[d]['flips']:.1f}%"
                for d in ("jpeg_q60", "jpeg_q40", "half_size", "crop_4_3")
            ]
            rows.append(
                f"| {recipe} | {stage_name} | {r['test_roc_auc']:.3f} | " + " | ".join(cells) + " |"
            )
    groups = held_out_groups(features, args.data, args.splits)
    rows += ["", "| fitted on | held-out source groups, texture head alone: ROC-AUC |", "|---|---|"]
    rows += [
        f"| {recipe} | {' / '.join(f'{a:.3f}' for a in aucs)} |" for recipe, aucs in groups.items()
    ]
    results["held_out_groups"] = groups
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    print("(each degradation: ROC-AUC, balanced-accuracy change, decisions flipped)")


if __name__ == "__main__":
    main()
