"""The release steps behind the card's held-out figures, end to end on a tiny real dataset:
the baseline, the recipe cross-validated over whole sources, and the card's evaluation JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from release import baseline_logreg, card_evaluation, leave_sources_out
from tests.images import write_kaggle_dataset
from tests.recipes import TINY_TRAINING

SOURCES = {(1, 0): "ai_a", (1, 1): "ai_b", (0, 0): "hu_a", (0, 1): "hu_b"}
TINY_RECIPE = [*TINY_TRAINING, "--epochs", "1", "--warmup-epochs", "1", "--no-augment"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """40 images (20 per label) from four sources of 10, with a metadata.csv."""
    root = write_kaggle_dataset(tmp_path_factory.mktemp("lso-data"), per_class=20)
    rows = list(csv.DictReader((root / "train.csv").open()))
    with (root / "metadata.csv").open("w") as f:
        f.write("file_name,source\n")
        for row in rows:
            number = int(Path(row["file_name"]).stem.split("_")[1])
            f.write(f"{row['file_name']},{SOURCES[int(row['label']), number % 2]}\n")
    return root / "train.csv"


@pytest.fixture(scope="module")
def baseline(data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("baseline")
    baseline_logreg.main(["--data", str(data), "--out", str(out), "--input-size", "32"])
    return out


@pytest.fixture(scope="module")
def lso(data, baseline, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lso")
    leave_sources_out.main(
        [
            "--data",
            str(data),
            "--out",
            str(out),
            "--folds",
            "2",
            "--baseline",
            str(baseline),
            "--",
            *TINY_RECIPE,
        ]
    )
    return out


def test_sources_are_dealt_per_label_largest_first():
    sources = {f"a{i}": "big" for i in range(5)} | {f"b{i}": "small" for i in range(2)}
    sources |= {f"c{i}": "mid" for i in range(3)} | {f"h{i}": "people" for i in range(4)}
    labels = {key: 0 if key.startswith("h") else 1 for key in sources}
    groups = leave_sources_out.source_groups(sources, labels, 2)
    assert groups == [["big", "small", "people"], ["mid"]]


def test_fold_placeholder_continues_each_fold_from_its_own_run(data, lso, tmp_path):
    out = tmp_path / "continued"
    init = f"{lso}/fold{{fold}}/model.weights.h5"
    recipe = [*TINY_TRAINING, "--no-augment", "--warmup-epochs", "0", "--epochs", "1"]
    options = ["--data", str(data), "--out", str(out), "--folds", "2", "--baseline", str(tmp_path)]
    leave_sources_out.main([*options, "--", *recipe, "--init-weights", init])
    for fold in range(2):
        config = json.loads((out / f"fold{fold}" / "config.json").read_text())
        assert config["init_weights"] == f"{lso}/fold{fold}/model.weights.h5"
    groups = json.loads((out / "groups.json").read_text())
    assert groups == json.loads((lso / "groups.json").read_text())


@pytest.mark.slow
def test_the_baseline_leaves_each_source_out(baseline):
    result = json.loads((baseline / "baseline.json").read_text())
    assert result["C"] in baseline_logreg.C_GRID
    assert 0.5 <= result["cv_roc_auc"] <= 1
    assert set(result["loso_per_source"]) == set(SOURCES.values())
    assert all(row["count"] == 10 for row in result["loso_per_source"].values())
    assert (baseline / "features.npz").is_file()


@pytest.mark.slow
def test_every_source_is_scored_once_by_a_model_that_never_saw_it(lso):
    groups = json.loads((lso / "groups.json").read_text())
    assert sorted(s for group in groups for s in group) == sorted(SOURCES.values())
    summary = json.loads((lso / "summary.json").read_text())
    assert summary["folds"] == 2 and summary["sources"] == 4
    assert len(summary["group_roc_auc"]) == 2
    for source, row in summary["per_source"].items():
        assert source in groups[row["fold"]]
        assert 0 <= row["accuracy"] <= 1 and row["baseline_accuracy"] is not None
    for fold, held in enumerate(groups):
        splits = json.loads((lso / f"fold{fold}" / "splits.json").read_text())
        seen = {row["file"] for name in ("train", "validation") for row in splits[name]}
        tested = {row["file"] for row in splits["test"]}
        assert len(tested) == 10 * len(held) and not seen & tested
    assert summary["model"]["all"] is not None and summary["baseline"]["all"] is not None


@pytest.mark.slow
def test_the_card_evaluation_gathers_the_held_out_reports(lso, baseline, tmp_path):
    from aiorhuman.convert.cli import read_evaluation

    out = tmp_path / "evaluation.json"
    card_evaluation.main(
        [
            "--out",
            str(out),
            "--test-split",
            str(lso / "fold0-eval" / "evaluation.json"),
            "--sources-out",
            str(lso / "summary.json"),
            "--loso",
            str(baseline / "baseline.json"),
        ]
    )
    evaluation = read_evaluation(out)
    assert set(evaluation) == {"held_out_test_split", "leave_sources_out", "leave_one_source_out"}
    test_split = evaluation["held_out_test_split"]
    assert "--test-fraction 0.15" in test_split["command"]
    assert 0 <= test_split["roc_auc"] <= 1
    sources_out = evaluation["leave_sources_out"]
    assert sources_out["command"].startswith("python -m release.leave_sources_out ")
    assert set(sources_out["per_source"]) == set(SOURCES.values())
    assert len(sources_out["group_roc_auc"]) == 2
    assert evaluation["leave_one_source_out"]["command"].startswith("python -m release.")
