"""Fine-tuned model vs logistic regression on frozen features, and their blend, on held-out data.

Scores, by ROC-AUC, the test split of a ``--test-fraction`` run and every held-out source group
of ``release.leave_sources_out``, with three heads: the run's own fine-tuned model, a logistic
regression (standardised, balanced, C = 0.003) on frozen ImageNet Lite0 features fitted on
the same training images, and the mean of their logits. Features come from
``release.baseline_logreg``'s caches (``features.npz``: head; ``features-stages.npz``: every stage).

    python -m experiments.heads_on_held_out --data ../shared/datasets/webmix-dev \\
        --split-run runs/lite0-split-v1 --lso runs/lso --baseline runs/baseline
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

C = 0.003


def run_probabilities(run_dir: Path, samples) -> list[float]:
    """The run's (fine-tuned) model's probabilities for ``samples``."""
    from aiorhuman.training.pipeline import eval_dataset
    from aiorhuman.training.runs import load_run

    run = load_run(run_dir)
    data = eval_dataset(samples, run.config.input_size, 32)
    return run.model.predict(data, verbose=0).reshape(-1).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--split-run", type=Path, help="a run trained with --test-fraction")
    parser.add_argument("--lso", type=Path, help="release.leave_sources_out's output folder")
    parser.add_argument("--baseline", type=Path, default=Path("runs/baseline"))
    args = parser.parse_args()

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from aiorhuman.training.data import load_labelled

    samples, _ = load_labelled(args.data, check=False)
    by_key = {s.key: s for s in samples}
    caches = {
        "head": np.load(args.baseline / "features.npz"),
        "stages": np.load(args.baseline / "features-stages.npz"),
    }
    rows = {name: {str(k): i for i, k in enumerate(c["keys"])} for name, c in caches.items()}

    def logit(p):
        p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

    def evaluate(name: str, run_dir: Path) -> None:
        splits = json.loads((run_dir / "splits.json").read_text())
        train = [r["file"] for r in splits["train"] + splits["validation"]]
        test = [by_key[r["file"]] for r in splits["test"]]
        labels = np.array([s.label for s in test])
        scores = {"fine-tuned": logit(run_probabilities(run_dir, test))}
        for pooling, cache in caches.items():
            x = cache["features"]
            fit = x[[rows[pooling][k] for k in train]]
            fit_labels = [by_key[k].label for k in train]
            model = make_pipeline(
                StandardScaler(), LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
            ).fit(fit, fit_labels)
            held = x[[rows[pooling][s.key] for s in test]]
            scores[f"LR {pooling}"] = logit(model.predict_proba(held)[:, 1])
        scores["blend fine-tuned + LR stages"] = (scores["fine-tuned"] + scores["LR stages"]) / 2
        shown = ", ".join(f"{k} {roc_auc_score(labels, v):.3f}" for k, v in scores.items())
        print(f"{name} ({len(test)} images): {shown}", flush=True)

    if args.split_run:
        evaluate(f"test split of {args.split_run.name}", args.split_run)
    if args.lso:
        for fold in sorted(args.lso.glob("fold[0-9]")):
            evaluate(f"held-out sources, {fold.name}", fold)


if __name__ == "__main__":
    main()
