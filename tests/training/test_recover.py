"""A bundle turned back into its run: same weights, same splits, its texture head refitted."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.conftest import make_untrained_run
from tests.images import pixel_batch, write_kaggle_dataset


@pytest.mark.slow
def test_a_bundle_is_rebuilt_into_its_run_and_refitted(tmp_path):
    from aiorhuman.convert.export import export_bundle
    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.recover import run_from_bundle
    from aiorhuman.training.runs import load_run
    from aiorhuman.training.splits import split_samples, write_splits
    from aiorhuman.training.texture import main as add_texture

    data = write_kaggle_dataset(tmp_path / "data", per_class=10)
    run = make_untrained_run(tmp_path / "run")
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "data": str(data)}))
    trained = load_run(run)
    samples, _ = load_labelled(data, check=False)
    write_splits(run, *split_samples(trained.config, samples))
    add_texture([str(run), "--out", str(tmp_path / "textured")])
    bundle = export_bundle(tmp_path / "textured", tmp_path / "bundle")

    rebuilt = load_run(run_from_bundle(bundle, tmp_path / "rebuilt"))
    original = load_run(tmp_path / "textured")
    for ours, theirs in zip(rebuilt.model.weights, original.model.weights, strict=True):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert json.loads((tmp_path / "rebuilt" / "splits.json").read_text()) == json.loads(
        (tmp_path / "textured" / "splits.json").read_text()
    )
    assert rebuilt.decision["threshold"] == original.decision["threshold"]

    # A bundle with a texture head gets a new one; the rest of the model is kept.
    add_texture([str(bundle), "--out", str(tmp_path / "refitted")])
    refitted = load_run(tmp_path / "refitted")
    pixels = pixel_batch(4)
    backbone = refitted.model.get_layer("backbone")
    np.testing.assert_array_equal(
        backbone(pixels).numpy(), original.model.get_layer("backbone")(pixels).numpy()
    )


@pytest.mark.slow
def test_a_bundle_is_not_rebuilt_on_other_data(tmp_path, tiny_bundle):
    from aiorhuman.training.recover import run_from_bundle

    data = write_kaggle_dataset(tmp_path / "data", per_class=10)
    card = json.loads((tiny_bundle / "card.json").read_text())
    card["training_data"]["splits"] = {"train": {"human": 1, "ai": 1}}
    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    (bundle / "card.json").write_text(json.dumps(card))
    with pytest.raises(SystemExit, match="not the bundle's training data"):
        run_from_bundle(bundle, tmp_path / "rebuilt", str(data))
