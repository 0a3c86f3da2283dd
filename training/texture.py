"""``aiorhuman-add-texture``: give a finished EfficientNet-Lite run (or bundle) a texture head.

The texture head is a small ReLU network (one hidden layer) on the spatial mean and standard
deviation of the backbone's first stages, which fine-tuning leaves as ImageNet made them (see
``training.model.build_classifier``). Its logit is averaged with the run's own and the blend is
calibrated, thresholded and measured on the run's validation split, exactly as training would
(``aiorhuman-train --pooling head+texture`` does the same at the end of training). No
gradient step is taken, so this takes minutes, not a training run. A run (or bundle) that
already has a texture head gets a new one, fitted by the current recipe.

    aiorhuman-add-texture runs/lite0-all-v1 --out runs/lite0-all-texture
    aiorhuman-add-texture models/default --out runs/default-refit
    aiorhuman-add-texture runs/lite0-all-v1 --texture-hidden 0 --out runs/linear  # the old head
    aiorhuman-add-texture runs/lite0-all-v1 --pairs .cache/taef2 --out runs/with-pairs
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from aiorhuman.training.backbones import backbone
from aiorhuman.training.config import TrainConfig
from aiorhuman.training.data import load_labelled
from aiorhuman.training.finish import finish
from aiorhuman.training.model import LOGIT_LAYER, backbone_of, build_classifier
from aiorhuman.training.recover import is_bundle, run_from_bundle
from aiorhuman.training.runs import load_run

COPIED = ("splits.json", "pairs.json", "data_report.json", "history.csv")


def add_texture_head(
    run_dir: Path,
    out: Path,
    data: str | None = None,
    hidden: int | None = None,
    pairs: str | None = None,
) -> dict:
    """Write ``run_dir`` (a run or a bundle) with a newly fitted texture head of ``hidden``
    ReLU units (0: a logistic regression; None: training's default) as the run ``out``;
    return its metrics. ``pairs``: a folder of reconstructions of the run's human training
    images (``training.reconstruct``) that the head is also fitted on, as AI examples."""
    if is_bundle(run_dir):
        with tempfile.TemporaryDirectory() as rebuilt:
            print(f"rebuilding the run of {run_dir}", file=sys.stderr)
            rebuilt_run = run_from_bundle(run_dir, Path(rebuilt), data)
            return _add_texture_head(rebuilt_run, out, data, hidden, pairs)
    return _add_texture_head(run_dir, out, data, hidden, pairs)


def _add_texture_head(
    run_dir: Path, out: Path, data: str | None, hidden: int | None, pairs: str | None
) -> dict:

    run = load_run(run_dir)
    if not backbone(run.config.backbone).texture_channels or run.config.pooling == "stages":
        raise SystemExit(
            f"{run_dir}: a texture head needs a run of a backbone with texture taps "
            "(EfficientNet-Lite) and pooling 'head' or 'head+texture'"
        )
    config = replace(
        run.config,
        pooling="head+texture",
        texture_hidden=TrainConfig.texture_hidden if hidden is None else hidden,
        data=data or run.config.data,
        pairs=pairs or run.config.pairs,
    )
    model = build_classifier(replace(config, weights="random"))  # every weight is set below
    backbone_of(model).set_weights(backbone_of(run.model).get_weights())
    model.get_layer(LOGIT_LAYER).set_weights(run.model.get_layer(LOGIT_LAYER).get_weights())

    samples, _ = load_labelled(config.data, check=False)
    by_key = {s.key: s for s in samples}
    splits = json.loads((Path(run_dir) / "splits.json").read_text())
    missing = [r["file"] for part in splits.values() for r in part if r["file"] not in by_key]
    if missing:
        raise SystemExit(f"{config.data}: {len(missing)} images of the run's splits are missing")
    train, val, test = (
        [by_key[r["file"]] for r in splits.get(name, [])]
        for name in ("train", "validation", "test")
    )

    out.mkdir(parents=True, exist_ok=True)
    if config.pairs:
        from aiorhuman.training.pairs import pair_samples

        record = Path(run_dir) / "pairs.json"
        record = record if record.is_file() else out / "pairs.json"
        train = train + pair_samples(Path(config.pairs), train, record)
    config.save(out / "config.json")
    for name in COPIED:
        if (Path(run_dir) / name).is_file():
            shutil.copy(Path(run_dir) / name, out / name)
    print(f"fitting the texture head on {len(train)} images", file=sys.stderr)
    return finish(out, config, model, train, val, test)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="aiorhuman-add-texture", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "run_dir", type=Path, help="finished Lite0 run (pooling 'head'), or a bundle of one"
    )
    parser.add_argument("--out", required=True, type=Path, help="the new run directory")
    parser.add_argument("--data", help="the run's data, if it has moved")
    parser.add_argument(
        "--texture-hidden",
        type=int,
        help="hidden ReLU units of the head (default: aiorhuman-train's; 0: a logistic regression)",
    )
    parser.add_argument(
        "--pairs",
        help="also fit the head on these reconstructions of the run's human training images "
        "(python -m aiorhuman.training.reconstruct), as AI examples",
    )
    args = parser.parse_args(argv)
    results = add_texture_head(args.run_dir, args.out, args.data, args.texture_hidden, args.pairs)
    for split, values in results.items():
        print(
            f"{split}: ROC-AUC {values['roc_auc']:.4f}, balanced accuracy "
            f"{values['balanced_accuracy']:.4f}, ECE {values['ece']:.4f}"
        )


if __name__ == "__main__":
    main()
