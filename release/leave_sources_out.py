"""Generalisation to unseen sources: K-fold cross-validation over whole sources.

Sources (``metadata.csv``) are dealt round-robin, largest first and per label, into K groups;
each fold trains the shipped recipe with one group held out entirely (``--holdout-source``) and
scores it with ``aiorhuman-evaluate --split test --group-by source``. Every source is scored
once, by a model that never saw any image of it: a stricter proxy than leave-one-source-out
(each model also misses the other sources of its group). The same folds are scored for the
frozen-feature logistic-regression baseline (features from ``release.baseline_logreg``'s cache).

    python -m release.leave_sources_out --data ../shared/datasets/webmix-dev --out runs/lso
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

MIN_SOURCE_IMAGES = 10


def source_groups(sources: dict[str, str], labels: dict[str, int], folds: int) -> list[list[str]]:
    """Deal sources into ``folds`` groups: per label, largest first, round-robin."""
    counts = Counter(sources.values())
    label_of = {sources[key]: labels[key] for key in sources if key in labels}
    groups: list[list[str]] = [[] for _ in range(folds)]
    for label in (1, 0):
        ordered = sorted((s for s in counts if label_of.get(s) == label), key=lambda s: -counts[s])
        for i, source in enumerate(ordered):
            groups[i % folds].append(source)
    return groups


def baseline_fold_accuracy(
    features_npz: Path, sources: dict, labels: dict, held: list[str], c: float
) -> dict[str, float]:
    """Per-source accuracy at 0.5 of the logistic-regression baseline with ``held`` left out."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cache = np.load(features_npz)
    keys, features = list(cache["keys"]), cache["features"]
    y = np.array([labels[k] for k in keys])
    src = np.array([sources[k] for k in keys])
    test = np.isin(src, held)
    model = make_pipeline(
        StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    )
    model.fit(features[~test], y[~test])
    predicted = model.predict(features[test])
    return {s: float((predicted[src[test] == s] == y[test][src[test] == s]).mean()) for s in held}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument(
        "--baseline",
        type=Path,
        default=Path("runs/baseline"),
        help="folder of release.baseline_logreg's output (features.npz, baseline.json)",
    )
    parser.add_argument(
        "train_args",
        nargs=argparse.REMAINDER,
        help="after --: extra aiorhuman-train arguments (the recipe); {fold} in them becomes the "
        "fold's number (e.g. --init-weights OTHER/fold{fold}/model.weights.h5 continues another "
        "run's folds)",
    )
    args = parser.parse_args(argv)

    from aiorhuman.training.data import load_labelled, load_sources

    samples, _ = load_labelled(args.data, check=False)
    labels = {s.key: s.label for s in samples}
    sources = load_sources(args.data, "leave_sources_out")
    groups = source_groups(sources, labels, args.folds)
    extra = [a for a in args.train_args if a != "--"]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "groups.json").write_text(json.dumps(groups, indent=2) + "\n")

    per_source: dict[str, dict] = {}
    group_roc_auc: list[float] = []
    for fold, held in enumerate(groups):
        run, report = args.out / f"fold{fold}", args.out / f"fold{fold}-eval"
        print(f"fold {fold}: holding out {', '.join(held)}", file=sys.stderr, flush=True)
        holdout = [x for s in held for x in ("--holdout-source", s)]
        if not (run / "metrics.json").is_file():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "aiorhuman.training.train",
                    "--data",
                    str(args.data),
                    "--out",
                    str(run),
                    *holdout,
                    *(a.replace("{fold}", str(fold)) for a in extra),
                ],
                check=True,
            )
        if not (report / "evaluation.json").is_file():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "aiorhuman.training.evaluate",
                    "--model",
                    str(run),
                    "--data",
                    str(args.data),
                    "--out",
                    str(report),
                    "--split",
                    "test",
                    "--group-by",
                    "source",
                    "--degradations",
                    "none",
                ],
                check=True,
            )
        evaluation = json.loads((report / "evaluation.json").read_text())
        groups_result = evaluation["groups"]["source"]
        group_roc_auc.append(round(evaluation["overall"]["roc_auc"], 4))
        baseline = {}
        if (args.baseline / "features.npz").is_file():
            c = json.loads((args.baseline / "baseline.json").read_text())["C"]
            baseline = baseline_fold_accuracy(
                args.baseline / "features.npz", sources, labels, held, c
            )
        for source, row in groups_result.items():
            per_source[source] = {**row, "fold": fold, "baseline_accuracy": baseline.get(source)}

    counted = {s: r for s, r in per_source.items() if r["count"] >= MIN_SOURCE_IMAGES}

    def mean(key: str, label: int | None = None) -> float | None:
        values = [
            r[key]
            for r in counted.values()
            if r[key] is not None and (label is None or r["label"] == label)
        ]
        return sum(values) / len(values) if values else None

    summary = {
        "folds": args.folds,
        "sources": len(counted),
        "group_roc_auc": group_roc_auc,
        "model": {"all": mean("accuracy"), "human": mean("accuracy", 0), "ai": mean("accuracy", 1)},
        "baseline": {
            "all": mean("baseline_accuracy"),
            "human": mean("baseline_accuracy", 0),
            "ai": mean("baseline_accuracy", 1),
        },
        "per_source": per_source,
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    lines = [
        "| source | label | images | model accuracy | baseline accuracy |",
        "|---|---|---|---|---|",
    ]
    for source, r in sorted(counted.items(), key=lambda kv: kv[1]["accuracy"]):
        b = r["baseline_accuracy"]
        lines.append(
            f"| {source} | {'ai' if r['label'] else 'human'} | {r['count']} | "
            f"{r['accuracy']:.2f} | {'n/a' if b is None else f'{b:.2f}'} |"
        )
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")
    m, b = summary["model"], summary["baseline"]
    print(
        f"mean accuracy over {len(counted)} sources with >= {MIN_SOURCE_IMAGES} images: "
        f"model {m['all']:.3f} (human {m['human']:.3f}, AI {m['ai']:.3f})"
        + (
            f"; baseline {b['all']:.3f} (human {b['human']:.3f}, AI {b['ai']:.3f})"
            if b["all"] is not None
            else ""
        )
        + f"; ROC-AUC of each held-out group {' / '.join(f'{a:.3f}' for a in group_roc_auc)}"
    )


if __name__ == "__main__":
    main()
