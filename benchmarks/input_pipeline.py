"""Does the input pipeline keep up with training? (a benchmark, not a test)

Measures, in one run on this machine:
- the tf.data training pipeline (read, decode, augment, batch) in images/s, cold (decoding
  every file) and warm (decoded images cached, as from the second epoch on);
- the fine-tuning step on in-memory tensors (forward + backward + update) in images/s.
The pipeline keeps up when its rate is at least 1.5x the step's.

    python benchmarks/input_pipeline.py --data ../shared/datasets/webmix-dev [--images 512]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="labelled dataset (train.csv or folders)")
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--input-size", type=int, default=224)
    args = parser.parse_args()

    import numpy as np
    import tf_keras as keras

    from aiorhuman.training.augment import AugmentConfig
    from aiorhuman.training.backbones import fine_tune_layers
    from aiorhuman.training.config import TrainConfig
    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.model import backbone_of, build_classifier
    from aiorhuman.training.pipeline import training_dataset

    samples, _ = load_labelled(args.data, check=False)
    samples = samples[: args.images]
    dataset = training_dataset(samples, args.input_size, args.batch_size, AugmentConfig(), 0)
    rates = []
    for _ in range(2):  # first pass decodes files, second reads the decoded cache
        start, count = time.perf_counter(), 0
        for pixels, _ in dataset:
            count += int(pixels.shape[0])
        rates.append(count / (time.perf_counter() - start))

    config = TrainConfig(input_size=args.input_size)
    model = build_classifier(config)
    backbone = backbone_of(model)
    backbone.trainable = True
    unfrozen = set(map(id, fine_tune_layers(backbone, config.fine_tune_fraction)))
    for layer in backbone.layers:
        layer.trainable = id(layer) in unfrozen
    model.compile(keras.optimizers.Adam(1e-4), "binary_crossentropy")
    x = (
        np.random.default_rng(0)
        .uniform(0, 255, (args.batch_size, args.input_size, args.input_size, 3))
        .astype("float32")
    )
    y = np.zeros((args.batch_size, 1), "float32")
    model.train_on_batch(x, y)
    steps = max(4, args.images // args.batch_size // 2)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    step_rate = steps * args.batch_size / (time.perf_counter() - start)

    print(f"cores: {os.cpu_count()}, images: {len(samples)}, input {args.input_size} px")
    print(f"input pipeline, first epoch (decode + augment): {rates[0]:8.1f} images/s")
    print(f"input pipeline, later epochs (cached decode + augment): {rates[1]:8.1f} images/s")
    print(f"training step on in-memory tensors (fine-tuning): {step_rate:8.1f} images/s")
    print(
        f"ratio pipeline/step: first epoch {rates[0] / step_rate:.2f}x, "
        f"later epochs {rates[1] / step_rate:.2f}x (target >= 1.5x)"
    )


if __name__ == "__main__":
    main()
