"""Collect held-out estimates into the JSON that ``aiorhuman-convert --evaluation`` records.

The shipped model trains on all of the data, so its own run has validation figures only.
The honest figures come from runs of the same recipe with data held out; this script gathers
them, with the commands that produced them, for card.json and MODEL_CARD.md:

    python -m release.card_evaluation --out runs/default-evaluation.json \\
        --test-split runs/lite0-split-v1/eval-test/evaluation.json \\
        --sources-out runs/lso/summary.json --sources-out-recipe "--epochs 8 --warmup-epochs 2"
    aiorhuman-convert --annotate models/default --evaluation runs/default-evaluation.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DATA = "../shared/datasets/webmix-dev"
RECIPE = "--epochs 14 --warmup-epochs 3"  # the shipped model's
FIGURES = ("roc_auc", "balanced_accuracy", "false_positive_rate", "ece", "accuracy")


def test_split_entry(evaluation: dict, run: str, recipe: str, command: str | None) -> dict:
    """Test-split metrics and the degradation table of an ``aiorhuman-evaluate`` report."""
    overall = evaluation["overall"]
    degradations = {
        name: {
            "balanced_accuracy_change": round(row["balanced_accuracy_change"], 4),
            "decision_flip_rate": round(row["decision_flip_rate"], 4),
            "verdict_flip_rate": round(row["verdict_flip_rate"], 4),
        }
        for name, row in evaluation.get("degradations", {}).items()
    }
    return {
        "summary": (
            f"The same recipe with a stratified 15% test split held out ({overall['count']} "
            f"images): ROC-AUC {overall['roc_auc']:.3f}, balanced accuracy "
            f"{overall['balanced_accuracy']:.3f} and false-positive rate "
            f"{overall['false_positive_rate']:.1%} at its validation threshold, ECE "
            f"{overall['ece']:.3f}."
        ),
        "command": command
        or (
            f"aiorhuman-train --data {DATA} {recipe} --test-fraction 0.15 --out {run}\n"
            f"aiorhuman-evaluate --model {run} --data {DATA} --split test --group-by source "
            f"--out {run}/eval-test"
        ),
        **{key: round(overall[key], 4) for key in FIGURES},
        "verdicts": overall["verdicts"],
        "degradations": degradations,
    }


def loso_entry(result: dict) -> dict:
    """True leave-one-source-out of frozen stage features (``release.baseline_logreg``)."""
    per_source = {
        source: {
            "label": "ai" if row["label"] else "human",
            "count": row["count"],
            "accuracy": round(row["accuracy"], 4),
        }
        for source, row in result["loso_per_source"].items()
    }
    return {
        "summary": (
            f"Leave-one-source-out over the {len(per_source)} sources with >= 10 images, "
            "each scored by a logistic regression on frozen stage-pooled features trained "
            "without any image of it, at 0.5: mean accuracy "
            f"{result['loso_mean_accuracy']:.3f} (human sources "
            f"{result['loso_human_sources']:.3f}, AI sources {result['loso_ai_sources']:.3f}); "
            f"5-fold CV ROC-AUC {result['cv_roc_auc']:.3f}."
        ),
        "command": (
            f"python -m release.baseline_logreg --data {DATA} --out runs/baseline --pooling stages"
        ),
        "mean_accuracy": round(result["loso_mean_accuracy"], 4),
        "human_sources": round(result["loso_human_sources"], 4),
        "ai_sources": round(result["loso_ai_sources"], 4),
        "per_source": per_source,
    }


def sources_out_entry(summary: dict, out: str, recipe: str, command: str | None) -> dict:
    """The recipe itself trained with whole groups of sources held out."""
    model = summary["model"]
    aucs = summary.get("group_roc_auc", [])
    ranking = f" ROC-AUC of each held-out group: {' / '.join(f'{a:.3f}' for a in aucs)}."
    return {
        "summary": (
            f"The recipe trained {summary['folds']} times, each time with a third of the "
            "sources held out entirely, scored at its own threshold: mean accuracy over "
            f"{summary['sources']} sources {model['all']:.3f} (human {model['human']:.3f}, "
            f"AI {model['ai']:.3f})." + (ranking if aucs else "")
        ),
        "command": command
        or (
            f"python -m release.leave_sources_out --data {DATA} --out {out} --folds "
            f"{summary['folds']} -- {recipe}"
        ),
        "mean_accuracy": round(model["all"], 4),
        "human_sources": round(model["human"], 4),
        "ai_sources": round(model["ai"], 4),
        **({"group_roc_auc": aucs} if aucs else {}),
        "per_source": {
            source: {
                "label": "ai" if row["label"] else "human",
                "count": row["count"],
                "accuracy": round(row["accuracy"], 4),
            }
            for source, row in summary["per_source"].items()
            if row["count"] >= 10
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--test-split", type=Path, help="evaluation.json of a test-split run")
    parser.add_argument("--loso", type=Path, help="baseline-stages.json of release.baseline_logreg")
    parser.add_argument(
        "--sources-out", type=Path, help="summary.json of release.leave_sources_out"
    )
    parser.add_argument("--test-recipe", default=RECIPE, help="training arguments of --test-split")
    parser.add_argument(
        "--sources-out-recipe", default=RECIPE, help="training arguments of --sources-out"
    )
    parser.add_argument("--test-command", help="the commands behind --test-split, if not the usual")
    parser.add_argument("--sources-out-command", help="the commands behind --sources-out")
    parser.add_argument(
        "--sources-out-from-card",
        type=Path,
        help="a card.json whose leave_sources_out entry is kept (when it was not re-run)",
    )
    parser.add_argument(
        "--sources-out-note", help="what that entry measured, put before its summary"
    )
    args = parser.parse_args(argv)

    evaluation = {}
    if args.test_split:
        run = args.test_split.parent.parent.as_posix()
        evaluation["held_out_test_split"] = test_split_entry(
            json.loads(args.test_split.read_text()), run, args.test_recipe, args.test_command
        )
    if args.loso:
        evaluation["leave_one_source_out"] = loso_entry(json.loads(args.loso.read_text()))
    if args.sources_out:
        evaluation["leave_sources_out"] = sources_out_entry(
            json.loads(args.sources_out.read_text()),
            args.sources_out.parent.as_posix(),
            args.sources_out_recipe,
            args.sources_out_command,
        )
    elif args.sources_out_from_card:
        entry = json.loads(args.sources_out_from_card.read_text())["evaluation"][
            "leave_sources_out"
        ]
        if args.sources_out_note:
            entry["summary"] = f"{args.sources_out_note} {entry['summary']}"
        evaluation["leave_sources_out"] = entry
    args.out.write_text(json.dumps(evaluation, indent=2) + "\n")
    for entry in evaluation.values():
        print(entry["summary"])


if __name__ == "__main__":
    main()
