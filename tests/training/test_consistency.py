"""Consistency training: aligned clean / web-copy views, the training step's penalty, and a
run continued from another run's weights."""

import csv
import json
import subprocess
import sys

import numpy as np

from tests.images import noisy_image, write_folder_dataset
from tests.recipes import TINY_TRAINING


def _views(image: np.ndarray, rescale, quality):
    import tensorflow as tf

    from aiorhuman.training.augment import AugmentConfig, ConsistencyConfig, clean_and_web_views

    config = ConsistencyConfig(rescale_range=rescale, jpeg_quality=quality)
    clean, web = clean_and_web_views(tf.constant(image), 64, AugmentConfig(), config)
    return clean.numpy(), web.numpy()


def test_the_two_views_are_aligned_and_differ_by_delivery_only():
    image = np.asarray(noisy_image(3, (160, 120)))
    near_clean, near_web = _views(image, (0.999, 1.0), (95, 96))
    clean, web = _views(image, (0.4, 0.41), (30, 31))
    assert clean.shape == web.shape == (64, 64, 3)
    light = np.abs(near_clean - near_web).mean()
    heavy = np.abs(clean - web).mean()
    mirrored = np.abs(clean - clean[:, ::-1]).mean()
    assert light < heavy < mirrored  # same crop and flip; only the web copy differs


def test_the_consistency_term_pulls_the_two_logits_together(tiny_run):
    import tensorflow as tf
    import tf_keras as keras

    from aiorhuman.training.consistency import with_consistency
    from aiorhuman.training.model import LOGIT_LAYER
    from aiorhuman.training.runs import load_run
    from tests.images import pixel_batch

    clean = pixel_batch(4, 32)
    noise = np.random.default_rng(0).normal(0, 20, clean.shape)
    web = np.clip(clean * 0.6 + 40 + noise, 0, 255).astype(np.float32)
    labels = np.array([0, 1] * (len(clean) // 2), np.float32)

    def gap_after_training(weight: float) -> float:
        model = load_run(tiny_run).model
        trained = with_consistency(model, weight=weight)
        trained.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
        data = tf.data.Dataset.from_tensors(((clean, web), labels)).repeat(60)
        history = trained.fit(data, epochs=1, verbose=0).history
        assert "consistency" in history
        logits = keras.Model(model.input, model.get_layer(LOGIT_LAYER).output)
        return float(np.abs(logits(clean).numpy() - logits(web).numpy()).mean())

    assert gap_after_training(10.0) < 0.7 * gap_after_training(0.0)


def test_a_run_continued_with_consistency_loads_as_a_plain_run(tmp_path, tiny_run):
    from aiorhuman.training.runs import load_run

    data = write_folder_dataset(tmp_path / "data", per_class=8)
    # Source-balanced weights ride along: they pass through the consistency training step.
    keys = sorted(f"{p.parent.name}/{p.name}" for p in data.glob("*/*"))
    rows = [f"{key},{'big' if i % 4 else 'small'}" for i, key in enumerate(keys)]
    (data / "metadata.csv").write_text("\n".join(["file_name,source", *rows]) + "\n")
    out = tmp_path / "run"
    flags = [*TINY_TRAINING, "--epochs", "2", "--warmup-epochs", "0", "--consistency", "1"]
    flags += ["--source-balance", "1"]
    result = subprocess.run(
        [
            sys.executable, "-m", "aiorhuman.training.train", "--data", str(data),
            "--out", str(out), "--init-weights", str(tiny_run / "model.weights.h5"), *flags,
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "source-balanced weights from" in result.stderr
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert [r["phase"] for r in rows] == ["finetune", "finetune"]
    assert all(float(r["consistency"]) >= 0 for r in rows)
    assert json.loads((out / "config.json").read_text())["consistency"] == 1.0
    run = load_run(out)
    assert run.model.name == "aiorhuman"
    assert type(run.model).__name__ != "ConsistencyClassifier"
