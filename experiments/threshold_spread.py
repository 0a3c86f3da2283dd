"""How much the decision threshold depends on which images happen to be in validation.

Training picks the threshold with the best validation balanced accuracy whose validation
false-positive rate stays <= 5% (``training.metrics.choose_threshold``). This redraws the
validation split by bootstrap, picks the threshold on each draw, and prints the spread of the
thresholds and of the test balanced accuracy they give (the model and its ranking unchanged).

It then asks whether bagging the rule (the mean threshold over bootstrap redraws) would make
the threshold steadier and better, using validation alone: the validation split is cut into
stratified halves many times, each rule picks a threshold on one half and is scored on the
other.

    python -m experiments.threshold_spread --run runs/texture-split-v4 \\
        --data ../shared/datasets/webmix-dev
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DRAWS = 500
HALVINGS = 60
BAGS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, type=Path, help="a run with a test split")
    parser.add_argument("--data", required=True, type=Path)
    args = parser.parse_args()

    import numpy as np
    from sklearn.metrics import balanced_accuracy_score

    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.metrics import choose_threshold
    from aiorhuman.training.pipeline import eval_dataset
    from aiorhuman.training.runs import load_run

    run = load_run(args.run)
    samples, _ = load_labelled(args.data, check=False)
    by_key = {s.key: s for s in samples}
    splits = json.loads((args.run / "splits.json").read_text())
    scored = {}
    for name in ("validation", "test"):
        items = [by_key[r["file"]] for r in splits[name]]
        data = eval_dataset(items, run.config.input_size, 32)
        probs = run.model.predict(data, verbose=0).reshape(-1)
        scored[name] = probs, np.array([s.label for s in items])
    (val_p, val_y), (test_p, test_y) = scored["validation"], scored["test"]
    thresholds = bootstrap_thresholds(val_y, val_p, np.random.default_rng(0), DRAWS)
    accuracies = [balanced_accuracy_score(test_y, test_p >= t) for t in thresholds]
    chosen = choose_threshold(val_y, val_p)
    print(
        f"threshold on the whole validation split {chosen:.3f}: test balanced accuracy "
        f"{balanced_accuracy_score(test_y, test_p >= chosen):.3f}"
    )
    for label, values in (("threshold", thresholds), ("test balanced accuracy", accuracies)):
        low, mid, high = np.percentile(values, [10, 50, 90])
        print(
            f"{label} over {DRAWS} validation redraws: "
            f"10% {low:.3f}, median {mid:.3f}, 90% {high:.3f}"
        )
    compare_rules_on_halves(val_y, val_p)


def bootstrap_thresholds(labels, probs, rng, draws: int) -> list[float]:
    """``choose_threshold`` on each of ``draws`` bootstrap redraws of (labels, probs)."""
    from aiorhuman.training.metrics import choose_threshold

    thresholds = []
    for _ in range(draws):
        draw = rng.integers(0, len(labels), len(labels))
        thresholds.append(choose_threshold(labels[draw], probs[draw]))
    return thresholds


def bagged_threshold(labels, probs, rng) -> float:
    """The mean of ``choose_threshold`` over ``BAGS`` bootstrap redraws."""
    import numpy as np

    return float(np.mean(bootstrap_thresholds(labels, probs, rng, BAGS)))


def compare_rules_on_halves(labels, probs) -> None:
    """Plain against bagged rule: threshold on one stratified half, scored on the other."""
    import numpy as np
    from sklearn.metrics import balanced_accuracy_score

    from aiorhuman.training.metrics import MAX_FALSE_POSITIVE_RATE, choose_threshold

    rng = np.random.default_rng(1)
    rules = {
        "plain": lambda y, p: choose_threshold(y, p),
        "bagged": lambda y, p: bagged_threshold(y, p, rng),
    }
    rows: dict[str, list[tuple[float, float, float]]] = {name: [] for name in rules}
    for _ in range(HALVINGS):
        first = np.zeros(len(labels), dtype=bool)
        for label in (0, 1):
            members = rng.permutation(np.flatnonzero(labels == label))
            first[members[: len(members) // 2]] = True
        other_y, other_p = labels[~first], probs[~first]
        for name, rule in rules.items():
            t = rule(labels[first], probs[first])
            fpr = float((other_p[other_y == 0] >= t).mean())
            rows[name].append((t, balanced_accuracy_score(other_y, other_p >= t), fpr))
    cap = MAX_FALSE_POSITIVE_RATE
    for name, values in rows.items():
        v = np.array(values)
        print(
            f"{name} rule over {HALVINGS} validation halvings: threshold sd {v[:, 0].std():.3f}, "
            f"other-half balanced accuracy {v[:, 1].mean():.3f} (sd {v[:, 1].std():.3f}), "
            f"false-positive rate {v[:, 2].mean():.3f}, "
            f"over {cap:.0%} in {(v[:, 2] > cap).mean():.0%}"
        )


if __name__ == "__main__":
    main()
