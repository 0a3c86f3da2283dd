"""Does scoring several views make verdicts more stable? (an experiment, not a test)

Scores a run's test split, original and under each web degradation, with one view (the
centre crop) and with several views (centre, its mirror image, a 15% zoom on the centre),
averaged in logit space. Reports balanced accuracy, verdict flips against the original image,
and the cost in model calls.

    python -m experiments.views --run runs/lite0-split-v1 --data ../shared/datasets/webmix-dev
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

VIEW_SETS = {
    "centre": ["centre"],
    "centre+mirror": ["centre", "mirror"],
    "centre+mirror+zoom": ["centre", "mirror", "zoom"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, type=Path)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--split", default="test")
    args = parser.parse_args()

    import numpy as np
    import tensorflow as tf
    from sklearn.metrics import balanced_accuracy_score

    from aiorhuman.bundle import verdict
    from aiorhuman.bundle.preprocess import decode_image, resize_and_crop
    from aiorhuman.progress import progress
    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.degrade import DEGRADATIONS
    from aiorhuman.training.runs import load_run

    run = load_run(args.run)
    size, band = run.config.input_size, run.decision["unsure_band"]
    threshold = run.decision["threshold"]
    wanted = {r["file"] for r in json.loads((args.run / "splits.json").read_text())[args.split]}
    samples = [s for s in load_labelled(args.data, check=False)[0] if s.key in wanted]
    labels = np.array([s.label for s in samples])

    @tf.function
    def view_logits(data):
        image = decode_image(data)
        centre = resize_and_crop(image, size)
        zoom = resize_and_crop(image, round(size * 1.15))
        offset = (round(size * 1.15) - size) // 2
        zoom = zoom[offset : offset + size, offset : offset + size]
        batch = tf.stack([centre, tf.reverse(centre, [1]), zoom])
        p = tf.clip_by_value(tf.reshape(run.model(batch, training=False), [-1]), 1e-6, 1 - 1e-6)
        return tf.math.log(p / (1 - p))

    index = {"centre": 0, "mirror": 1, "zoom": 2}

    def score(transform) -> np.ndarray:
        rows = [
            view_logits(tf.constant(transform(s.path.read_bytes()))).numpy()
            for s in progress(samples, "scoring")
        ]
        return np.stack(rows)

    logits = {"original": score(lambda b: b)}
    for name, fn in DEGRADATIONS.items():
        logits[name] = score(fn)

    print(f"{len(samples)} images of {args.run.name}'s {args.split} split")
    print(
        "| views | model calls | balanced accuracy | "
        + " | ".join(f"flips {n}" for n in DEGRADATIONS)
        + " |"
    )
    print("|---|---|---|" + "---|" * len(DEGRADATIONS))
    for name, views in VIEW_SETS.items():
        cols = [index[v] for v in views]

        def probs(key, cols=cols):
            return 1 / (1 + np.exp(-logits[key][:, cols].mean(1)))

        base = probs("original")
        base_verdicts = [verdict(p, band) for p in base]
        accuracy = balanced_accuracy_score(labels, base >= threshold)
        flips = []
        for degraded in DEGRADATIONS:
            verdicts = [verdict(p, band) for p in probs(degraded)]
            flips.append(np.mean([a != b for a, b in zip(base_verdicts, verdicts, strict=True)]))
        print(
            f"| {name} | {len(views)} | {accuracy:.3f} | "
            + " | ".join(f"{f:.1%}" for f in flips)
            + " |"
        )


if __name__ == "__main__":
    main()
