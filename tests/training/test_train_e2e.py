"""Train -> evaluate -> predict end to end on small real images, through the command lines."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.images import write_folder_dataset, write_kaggle_dataset
from tests.recipes import TINY_TRAINING

FAST = [*TINY_TRAINING, "--learning-rate", "0.01"]


def run_cli(module: str, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def kaggle_data(tmp_path_factory) -> Path:
    return write_kaggle_dataset(tmp_path_factory.mktemp("kaggle"), per_class=20)


@pytest.fixture(scope="module")
def trained_run(kaggle_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "run"
    run_cli(
        "aiorhuman.training.train",
        "--data",
        str(kaggle_data / "train.csv"),
        "--out",
        str(out),
        "--epochs",
        "5",
        "--warmup-epochs",
        "3",
        "--test-fraction",
        "0.2",
        "--no-augment",
        *FAST,
        "--weights",
        "imagenet",
    )
    return out


def test_run_directory_holds_metrics_decision_and_plots(trained_run):
    for name in (
        "config.json",
        "model.weights.h5",
        "decision.json",
        "metrics.json",
        "history.csv",
        "splits.json",
        "data_report.json",
    ):
        assert (trained_run / name).is_file(), name
    for plot in ("training_curves", "roc", "confusion", "reliability"):
        assert (trained_run / "plots" / f"{plot}.png").stat().st_size > 1000
    metrics = json.loads((trained_run / "metrics.json").read_text())
    for key in (
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "log_loss",
        "ece",
    ):
        assert key in metrics["validation"] and key in metrics["test"]
    decision = json.loads((trained_run / "decision.json").read_text())
    low, high = decision["unsure_band"]
    assert low <= decision["threshold"] <= high
    rows = list(csv.DictReader((trained_run / "history.csv").open()))
    assert [r["phase"] for r in rows] == ["warmup"] * 3 + ["finetune"] * 2
    splits = json.loads((trained_run / "splits.json").read_text())
    files = [row["file"] for part in splits.values() for row in part]
    assert len(files) == len(set(files)) == 40


def test_the_model_learns_the_easy_task(trained_run):
    # Smooth gradients vs grainy noise: ImageNet features separate them after a few epochs.
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["validation"]["roc_auc"] >= 0.9


def test_evaluate_overall_per_group_and_degraded(trained_run, kaggle_data, tmp_path):
    metadata = tmp_path / "metadata.csv"
    with metadata.open("w") as f:
        f.write("file_name,source\n")
        for i, row in enumerate(csv.DictReader((kaggle_data / "train.csv").open())):
            f.write(f"{row['file_name']},src{i % 3}\n")
    out = tmp_path / "eval"
    run_cli(
        "aiorhuman.training.evaluate",
        "--model",
        str(trained_run),
        "--data",
        str(kaggle_data),
        "--out",
        str(out),
        "--split",
        "test",
        "--group-by",
        "source",
        "--metadata",
        str(metadata),
    )
    result = json.loads((out / "evaluation.json").read_text())
    assert result["overall"]["count"] == 8  # the run's test split only (20% of 40)
    assert set(result["groups"]["source"]) <= {"src0", "src1", "src2"}
    assert set(result["degradations"]) == {
        "jpeg_q60",
        "jpeg_q40",
        "half_size",
        "crop_4_3",
        "crop_square",
        "half_size_jpeg_q40",
    }
    assert 0 <= result["degradations"]["jpeg_q40"]["verdict_flip_rate"] <= 1
    assert "## Per source" in (out / "evaluation.md").read_text()
    assert (out / "plots" / "roc.png").is_file()
    rows = list(csv.DictReader((out / "predictions.csv").open()))
    assert len(rows) == 8
    assert set(rows[0]) == {"file", "label", "probability", *result["degradations"]}
    probs = np.array([float(r["probability"]) for r in rows])
    labels = np.array([int(r["label"]) for r in rows])
    assert ((probs >= result["threshold"]) == labels).mean() == pytest.approx(
        result["overall"]["accuracy"], abs=1e-6
    )


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    data = write_folder_dataset(tmp_path / "data", per_class=10)
    out = tmp_path / "run"
    args = [
        sys.executable,
        "-m",
        "aiorhuman.training.train",
        "--data",
        str(data),
        "--out",
        str(out),
        "--epochs",
        "12",
        "--warmup-epochs",
        "3",
        *FAST,
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    history = out / "history.csv"
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            if history.is_file() and len(history.read_text().splitlines()) >= 3:
                break
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    state = out / "state.json"
    assert not (state.is_file() and json.loads(state.read_text()).get("finished"))
    interrupted_at = len(history.read_text().splitlines()) - 1
    assert 2 <= interrupted_at < 12
    run_cli("aiorhuman.training.train", "--data", str(data), "--out", str(out))
    epochs = [int(r["epoch"]) for r in csv.DictReader(history.open())]
    assert epochs == sorted(set(epochs)) and epochs[0] == 1
    assert json.loads(state.read_text())["finished"] is True
    assert (out / "metrics.json").is_file()


def test_distributed_path_with_two_logical_cpu_devices(tmp_path):
    data = write_folder_dataset(tmp_path / "data", per_class=8)
    result = run_cli(
        "aiorhuman.training.train",
        "--data",
        str(data),
        "--out",
        str(tmp_path / "run"),
        "--epochs",
        "2",
        "--warmup-epochs",
        "1",
        "--cpu-devices",
        "2",
        *FAST,
    )
    assert "2 replicas" in result.stderr
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["validation"]["count"] == 4


def _write_hub_module(path: Path) -> Path:
    """A TF2 SavedModel with the image feature-vector interface of TF Hub modules."""
    import tensorflow as tf

    class FeatureVector(tf.Module):
        def __init__(self):
            self.kernel = tf.Variable(tf.random.stateless_normal([27, 32], seed=[1, 2]))

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
        def __call__(self, images):
            patches = tf.image.extract_patches(
                images, [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID"
            )
            return tf.reduce_mean(tf.nn.relu(tf.tensordot(patches, self.kernel, 1)), [1, 2])

    tf.saved_model.save(FeatureVector(), str(path))
    return path


def test_resnet50v2_hub_path_with_a_local_module(tmp_path):
    module = _write_hub_module(tmp_path / "resnet_v2_50_module")
    data = write_folder_dataset(tmp_path / "data", per_class=8)
    out = tmp_path / "run"
    run_cli(
        "aiorhuman.training.train",
        "--data",
        str(data),
        "--out",
        str(out),
        "--backbone",
        "resnet50v2",
        "--weights",
        "hub",
        "--hub-handle",
        str(module),
        "--input-size",
        "32",
        "--epochs",
        "2",
        "--warmup-epochs",
        "1",
        "--batch-size",
        "8",
    )
    config = json.loads((out / "config.json").read_text())
    assert config["backbone"] == "resnet50v2" and config["hub_handle"] == str(module)
    # The run loads back (the hub module is rebuilt from its handle) and scores.
    run_cli(
        "aiorhuman.training.evaluate",
        "--model",
        str(out),
        "--data",
        str(data),
        "--out",
        str(tmp_path / "eval"),
    )
    evaluation = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    assert evaluation["overall"]["count"] == 16


def test_the_default_resnet_handle_is_the_official_module():
    from aiorhuman.training.backbones import RESNET_HUB_HANDLE

    assert RESNET_HUB_HANDLE == "https://tfhub.dev/google/imagenet/resnet_v2_50/feature_vector/5"


def test_training_refuses_a_finished_run(trained_run, kaggle_data):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiorhuman.training.train",
            "--data",
            str(kaggle_data),
            "--out",
            str(trained_run),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert result.returncode != 0 and "finished run" in result.stderr
