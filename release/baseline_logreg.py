"""The baseline to beat: logistic regression on frozen ImageNet EfficientNet-Lite0 features.

Standardised 1280-d pooled features of the 224 px centre crop (our preprocessing), balanced
class weights, C chosen by 5-fold CV. Reports 5-fold CV ROC-AUC and balanced accuracy at 0.5,
and leave-one-source-out accuracy at 0.5 for every source with >= 10 images.

``--pooling stages`` uses every stage's pooled features instead (2064-d, as the shipped model's
head sees them): the shipped recipe minus augmentation, cheap enough for a true
leave-one-source-out over all 50 sources.

    python -m release.baseline_logreg --data ../shared/datasets/webmix-dev --out runs/baseline
    python -m release.baseline_logreg --data ../shared/datasets/webmix-dev --out runs/baseline \
        --pooling stages
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

C_GRID = (0.0003, 0.001, 0.003, 0.01, 0.03)
MIN_SOURCE_IMAGES = 10


def extract_features(samples, size: int = 224, pooling: str = "head"):
    """Pooled ImageNet Lite0 features of each sample's preprocessed image."""
    import math

    import numpy as np

    from aiorhuman.progress import progress
    from aiorhuman.training.backbones.efficientnet_lite import imagenet_model
    from aiorhuman.training.pipeline import eval_dataset

    model = imagenet_model(size, pooling=pooling)
    dataset = eval_dataset(samples, size, 32)
    batches = progress(dataset, "features", total=math.ceil(len(samples) / 32))
    return np.concatenate([model(pixels, training=False).numpy() for pixels, _ in batches])


def _classifier(c: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--pooling", choices=("head", "stages"), default="head")
    parser.add_argument("--input-size", type=int, default=224, help="side of the centre crop")
    args = parser.parse_args(argv)
    suffix = "" if args.pooling == "head" else f"-{args.pooling}"

    import numpy as np
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from aiorhuman.training.data import find_metadata, load_labelled, load_metadata

    args.out.mkdir(parents=True, exist_ok=True)
    samples, _ = load_labelled(args.data)
    cache = args.out / f"features{suffix}.npz"
    keys = np.array([s.key for s in samples])
    if cache.is_file() and list(np.load(cache)["keys"]) == list(keys):
        features = np.load(cache)["features"]
    else:
        features = extract_features(samples, args.input_size, args.pooling)
        np.savez(cache, keys=keys, features=features)
    labels = np.array([s.label for s in samples])
    sources = np.array([load_metadata(find_metadata(args.data))[s.key]["source"] for s in samples])

    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    cv = {}
    for c in C_GRID:
        probs = cross_val_predict(
            _classifier(c), features, labels, cv=folds, method="predict_proba"
        )[:, 1]
        cv[c] = (roc_auc_score(labels, probs), balanced_accuracy_score(labels, probs >= 0.5))
    best_c = max(cv, key=lambda c: cv[c][0])
    auc, bal = cv[best_c]

    per_source = {}
    for source in sorted(set(sources)):
        held = sources == source
        if held.sum() < MIN_SOURCE_IMAGES:
            continue
        model = _classifier(best_c).fit(features[~held], labels[~held])
        accuracy = float((model.predict(features[held]) == labels[held]).mean())
        per_source[source] = {
            "label": int(labels[held][0]),
            "count": int(held.sum()),
            "accuracy": accuracy,
        }
    mean = lambda rows: float(np.mean([r["accuracy"] for r in rows]))  # noqa: E731
    result = {
        "pooling": args.pooling,
        "C": best_c,
        "cv_roc_auc": float(auc),
        "cv_balanced_accuracy": float(bal),
        "loso_mean_accuracy": mean(per_source.values()),
        "loso_human_sources": mean([r for r in per_source.values() if r["label"] == 0]),
        "loso_ai_sources": mean([r for r in per_source.values() if r["label"] == 1]),
        "loso_per_source": per_source,
    }
    (args.out / f"baseline{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"C = {best_c}: 5-fold CV ROC-AUC {auc:.3f}, balanced accuracy {bal:.3f}")
    print(
        f"leave-one-source-out accuracy over {len(per_source)} sources: "
        f"{result['loso_mean_accuracy']:.3f} (human {result['loso_human_sources']:.3f}, "
        f"AI {result['loso_ai_sources']:.3f})"
    )
    worst = sorted(per_source.items(), key=lambda kv: kv[1]["accuracy"])[:12]
    print("worst: " + ", ".join(f"{k} {v['accuracy']:.2f}" for k, v in worst))


if __name__ == "__main__":
    main()
