"""``aiorhuman-evaluate``: score a run or a bundle on labelled data, overall, per group and
under web degradations (how often the verdict flips), and write JSON, markdown, plots and
each image's probabilities (``predictions.csv``, to study other thresholds without rescoring)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from aiorhuman.bundle.scoring import Scored, Scorer, score_items
from aiorhuman.progress import progress
from aiorhuman.training import plots
from aiorhuman.training.data import Sample, find_metadata, load_labelled, load_metadata
from aiorhuman.training.degrade import DEGRADATIONS
from aiorhuman.training.metrics import classification_metrics, verdict_counts
from aiorhuman.training.scoring import open_model


def _select_split(model_path: Path, samples: list[Sample], split: str) -> list[Sample]:
    splits_file = model_path / "splits.json"
    if split == "all":
        if splits_file.is_file():
            trained = {row["file"] for row in json.loads(splits_file.read_text())["train"]}
            overlap = sum(s.key in trained for s in samples)
            if overlap:
                print(
                    f"warning: {overlap} of these images were used to train this run; "
                    "use --split test or validation for honest figures",
                    file=sys.stderr,
                )
        return samples
    if not splits_file.is_file():
        raise SystemExit(f"--split {split} needs a run directory with splits.json")
    wanted = {row["file"] for row in json.loads(splits_file.read_text())[split]}
    chosen = [s for s in samples if s.key in wanted]
    if not chosen:
        raise SystemExit(f"the run's {split} split has no images in this dataset")
    return chosen


def _summarise(labels: np.ndarray, probs: np.ndarray, threshold: float, band: list[float]) -> dict:
    result = classification_metrics(labels, probs, threshold)
    result["verdicts"] = verdict_counts(probs, band)
    return result


def _score(
    scorer: Scorer,
    samples: list[Sample],
    batch_size: int,
    read: Callable[[Sample], bytes] = lambda s: s.path.read_bytes(),
    label: str = "scoring",
) -> list[Scored]:
    """Each sample's probability (``error`` set where it cannot be read or decoded)."""
    return score_items(
        scorer, samples, read, batch_size,
        progress=lambda xs: progress(xs, label, enabled=len(samples) > 64),
    )  # fmt: skip


def evaluate(
    model_path: Path,
    data: Path,
    out: Path,
    split: str,
    group_by: list[str],
    metadata_path: Path | None,
    degradations: list[str],
    batch_size: int,
) -> dict:
    """Evaluate and write ``evaluation.json``, ``evaluation.md`` and plots into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    scorer = open_model(model_path)
    samples, report = load_labelled(data)
    print(report.summary(), file=sys.stderr)
    samples = _select_split(model_path, samples, split)
    scored = [r for r in _score(scorer, samples, batch_size) if r.error is None]
    labels = np.array([r.sample.label for r in scored])
    probs = np.array([r.probability for r in scored])
    threshold, band = scorer.threshold, scorer.unsure_band
    result: dict = {
        "model": scorer.name,
        "data": str(data),
        "split": split,
        "threshold": threshold,
        "unsure_band": band,
        "overall": _summarise(labels, probs, threshold, band),
        "groups": {},
        "degradations": {},
    }
    plots.evaluation_plots(labels, probs, result["overall"], out / "plots")

    metadata_path = metadata_path or find_metadata(data)
    if group_by and metadata_path is None:
        raise SystemExit("--group-by needs metadata (--metadata metadata.csv)")
    metadata = load_metadata(metadata_path) if group_by else {}
    for column in group_by:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(scored):
            groups[metadata.get(r.sample.key, {}).get(column, "(unknown)")].append(i)
        result["groups"][column] = {
            name: {
                "count": len(idx),
                "label": round(labels[idx].mean()) if len(set(labels[idx])) == 1 else None,
                "accuracy": float(((probs[idx] >= threshold) == labels[idx]).mean()),
                "mean_probability_ai": float(probs[idx].mean()),
            }
            for name, idx in sorted(groups.items())
        }

    original = {id(r.sample): r for r in scored}
    degraded_probs: dict[str, dict[int, float]] = {}
    for name in degradations:
        transform = DEGRADATIONS[name]
        degraded = _score(
            scorer,
            [r.sample for r in scored],
            batch_size,
            read=lambda s, t=transform: t(s.path.read_bytes()),
            label=name,
        )
        kept = [(original[id(d.sample)], d) for d in degraded if d.error is None]
        degraded_probs[name] = {id(o.sample): d.probability for o, d in kept}
        d_labels = np.array([o.sample.label for o, _ in kept])
        d_probs = np.array([d.probability for _, d in kept])
        summary = _summarise(d_labels, d_probs, threshold, band)
        o_probs = np.array([o.probability for o, _ in kept])
        summary["verdict_flip_rate"] = float(np.mean([o.verdict != d.verdict for o, d in kept]))
        summary["decision_flip_rate"] = float(
            np.mean((o_probs >= threshold) != (d_probs >= threshold))
        )
        summary["balanced_accuracy_change"] = (
            summary["balanced_accuracy"] - result["overall"]["balanced_accuracy"]
            if summary["balanced_accuracy"] is not None
            else None
        )
        result["degradations"][name] = summary

    (out / "evaluation.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "evaluation.md").write_text(render_markdown(result))
    _write_predictions(out / "predictions.csv", scored, degraded_probs)
    return result


def _write_predictions(
    path: Path, scored: list[Scored], degraded: dict[str, dict[int, float]]
) -> None:
    """One row per scored image: its key, label and p(AI), clean and under each degradation
    (empty where the degraded copy could not be scored)."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "label", "probability", *degraded])
        for r in scored:
            by_name = (probs.get(id(r.sample)) for probs in degraded.values())
            degraded_cells = ("" if p is None else f"{p:.6f}" for p in by_name)
            writer.writerow([r.sample.key, r.sample.label, f"{r.probability:.6f}", *degraded_cells])


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def render_markdown(result: dict) -> str:
    """A readable report of an evaluation."""
    o = result["overall"]
    lines = [
        f"# Evaluation of {result['model']}",
        "",
        f"Data: `{result['data']}` (split: {result['split']}), {o['count']} images, "
        f"threshold {result['threshold']:.3f}, unsure band {result['unsure_band']}.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| ROC-AUC | {o['roc_auc']:.4f} |" if o["roc_auc"] is not None else "| ROC-AUC | n/a |",
        f"| accuracy | {_pct(o['accuracy'])} |",
        f"| balanced accuracy | {_pct(o['balanced_accuracy'])} |",
        f"| precision (AI) | {_pct(o['precision'])} |",
        f"| recall (AI) | {_pct(o['recall'])} |",
        f"| F1 | {o['f1']:.4f} |",
        f"| false-positive rate (human called AI) | {_pct(o['false_positive_rate'])} |",
        f"| log loss | {o['log_loss']:.4f} |",
        f"| expected calibration error | {o['ece']:.4f} |",
        f"| verdicts ai / human / unsure | {o['verdicts']['ai']} / {o['verdicts']['human']} / "
        f"{o['verdicts']['unsure']} |",
    ]
    if result["degradations"]:
        lines += [
            "",
            "## Under web degradations",
            "",
            "| degradation | balanced accuracy | change | verdict flips | decision flips |",
            "|---|---|---|---|---|",
        ]
        for name, d in result["degradations"].items():
            change = d["balanced_accuracy_change"]
            lines.append(
                f"| {name} | {_pct(d['balanced_accuracy'])} | "
                f"{'n/a' if change is None else f'{100 * change:+.1f} pts'} | "
                f"{_pct(d['verdict_flip_rate'])} | {_pct(d['decision_flip_rate'])} |"
            )
    for column, groups in result["groups"].items():
        lines += [
            "",
            f"## Per {column}",
            "",
            "| group | images | label | accuracy | mean p(AI) |",
            "|---|---|---|---|---|",
        ]
        for name, g in groups.items():
            label = {0: "human", 1: "ai", None: "mixed"}[g["label"]]
            lines.append(
                f"| {name} | {g['count']} | {label} | {_pct(g['accuracy'])} | "
                f"{g['mean_probability_ai']:.3f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="aiorhuman-evaluate", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, type=Path, help="run directory or bundle folder")
    p.add_argument("--data", required=True, type=Path, help="labelled data (train.csv or folders)")
    p.add_argument("--out", required=True, type=Path, help="folder for the report")
    p.add_argument(
        "--split",
        choices=("all", "train", "validation", "test"),
        default="all",
        help="only the images of this split of the run (needs a run directory)",
    )
    p.add_argument(
        "--group-by",
        action="append",
        default=[],
        help="metadata column to break results down by (e.g. source); repeatable",
    )
    p.add_argument("--metadata", type=Path, help="metadata CSV keyed by file_name")
    p.add_argument(
        "--degradations",
        default=",".join(DEGRADATIONS),
        help="comma-separated, or 'none' (choices: " + ", ".join(DEGRADATIONS) + ")",
    )
    p.add_argument("--batch-size", type=int, default=32)
    args = p.parse_args(argv)
    names = [] if args.degradations == "none" else args.degradations.split(",")
    unknown = set(names) - set(DEGRADATIONS)
    if unknown:
        p.error(f"unknown degradation(s): {', '.join(sorted(unknown))}")
    result = evaluate(
        args.model,
        args.data,
        args.out,
        args.split,
        args.group_by,
        args.metadata,
        names,
        args.batch_size,
    )
    o = result["overall"]
    print(
        f"{o['count']} images: ROC-AUC {o['roc_auc']}, balanced accuracy "
        f"{o['balanced_accuracy']}, ECE {o['ece']:.4f}; report in {args.out / 'evaluation.md'}"
    )


if __name__ == "__main__":
    main()
