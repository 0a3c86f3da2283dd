"""Evidence at native resolution: several native-resolution crops against the resized view.

    python -m experiments.native_crops --model runs/lite0-v3-split --data .cache/sets/test \
        --out runs/native-crops.json

For every image: the model's usual view (short side resized to S, centre crop), and ``--crops``
S x S crops at the image's own resolution (centre and corners; images smaller than S are
resized first), averaged in logit space. Reported per view: ROC-AUC, balanced accuracy and
false-positive rate at the model's threshold, and the time per image; views: resized, crops,
resized + crops averaged, and a second look (crops) only for images in the unsure band.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import tensorflow as tf


def crops(image: tf.Tensor, size: int, count: int) -> tf.Tensor:
    """``count`` native-resolution ``size`` crops: the centre, then the four corners."""
    h, w = int(image.shape[0]), int(image.shape[1])
    if min(h, w) < size:
        scale = size / min(h, w)
        h, w = max(size, round(h * scale)), max(size, round(w * scale))
        image = tf.image.resize(image, (h, w), antialias=True)
    boxes = [((h - size) // 2, (w - size) // 2), (0, 0), (0, w - size), (h - size, 0)]
    boxes.append((h - size, w - size))
    return tf.stack([image[t : t + size, s : s + size] for t, s in boxes[:count]])


def _predictor(model_path: Path):
    """``(predict(pixels) -> probabilities, input size, threshold, unsure band)``."""
    from aiorhuman.bundle.card import read_card
    from aiorhuman.training.recover import is_bundle

    if is_bundle(model_path):
        from aiorhuman.bundle import load_bundle

        bundle = load_bundle(model_path)
        card = read_card(model_path)
        return bundle.predict_pixels, bundle.input_size, card["threshold"], card["unsure_band"]
    from aiorhuman.training.runs import load_run

    run = load_run(model_path)

    def predict(pixels):
        return run.model(pixels, training=False).numpy().reshape(-1)

    decision = run.decision
    return predict, run.config.input_size, decision["threshold"], decision["unsure_band"]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def main() -> None:
    from aiorhuman.bundle.preprocess import decode_image, resize_and_crop
    from aiorhuman.training import metrics as m
    from aiorhuman.training.data import load_labelled

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path, help="run or bundle")
    parser.add_argument("--data", required=True)
    parser.add_argument("--crops", type=int, default=5)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    predict, size, threshold, band = _predictor(args.model)
    samples, _ = load_labelled(args.data, check=False)
    labels = np.array([s.label for s in samples])
    resized, cropped, seconds = [], [], {"resized": 0.0, "crops": 0.0}
    predict(np.zeros((1, size, size, 3), np.float32))  # warm-up
    for sample in samples:
        image = decode_image(tf.io.read_file(str(sample.path)))
        start = time.perf_counter()
        resized.append(predict(resize_and_crop(image, size)[None])[0])
        seconds["resized"] += time.perf_counter() - start
        start = time.perf_counter()
        cropped.append(_logit(predict(crops(tf.cast(image, tf.float32), size, args.crops))).mean())
        seconds["crops"] += time.perf_counter() - start
    resized = np.array(resized)
    crop_probs = 1 / (1 + np.exp(-np.array(cropped)))
    both = 1 / (1 + np.exp(-(_logit(resized) + np.array(cropped)) / 2))
    unsure = (resized >= band[0]) & (resized <= band[1])
    second_look = np.where(unsure, crop_probs, resized)
    n = len(samples)
    views = {
        "resized": (resized, seconds["resized"] / n),
        f"{args.crops} native crops": (crop_probs, seconds["crops"] / n),
        "resized + crops": (both, (seconds["resized"] + seconds["crops"]) / n),
        "second look in the unsure band": (
            second_look,
            (seconds["resized"] + unsure.mean() * seconds["crops"]) / n,
        ),
    }
    report = {"model": str(args.model), "data": args.data, "images": n, "threshold": threshold}
    for name, (probs, per_image) in views.items():
        metrics = m.classification_metrics(labels, probs, threshold)
        report[name] = {
            "roc_auc": round(metrics["roc_auc"], 4),
            "balanced_accuracy": round(metrics["balanced_accuracy"], 4),
            "false_positive_rate": round(metrics["false_positive_rate"], 4),
            "ms_per_image": round(1000 * float(per_image), 1),
        }
        print(name, report[name])
    report["unsure_share"] = round(float(unsure.mean()), 4)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
