"""card.json and MODEL_CARD.md of a bundle, from a run (``docs/bundle.md``)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from aiorhuman.bundle.card import CARD_VERSION, sha256_file
from aiorhuman.bundle.preprocess import PREPROCESSING_SPEC
from aiorhuman.training.backbones import backbone
from aiorhuman.training.runs import Run

LABELS = {"0": "human", "1": "ai"}
PATH_SETTINGS = ("data", "init_weights", "pairs")


def portable_path(path: str) -> str:
    """``path`` as the card records it: an absolute path relative to the folder the bundle
    is built from (the repository root), so that no build machine's layout is recorded."""
    return os.path.relpath(path) if path and os.path.isabs(path) else path


def portable_config(config: dict) -> dict:
    """A run's config with its file settings made portable (``portable_path``)."""
    return {k: portable_path(v) if k in PATH_SETTINGS else v for k, v in config.items()}


def training_data_summary(run: Run) -> dict:
    """Dataset, counts per split and label, and data problems, from the run's files."""
    summary: dict = {"dataset": portable_path(run.config.data)}
    splits_path = run.path / "splits.json"
    if splits_path.is_file():
        splits = json.loads(splits_path.read_text())
        summary["splits"] = {
            name: {
                label: sum(1 for s in items if LABELS[str(s["label"])] == label)
                for label in LABELS.values()
            }
            for name, items in splits.items()
        }
    report_path = run.path / "data_report.json"
    if report_path.is_file():
        report = json.loads(report_path.read_text())
        summary["kept"] = report.get("kept")
        summary["skipped"] = {
            key: len(report.get(key, []))
            for key in ("missing", "unreadable", "unknown_labels", "duplicates")
        }
    summary["licences"] = (
        "the training images keep their own licences (see the dataset's README; some allow "
        "research or evaluation use only); no image is redistributed in this bundle"
    )
    return summary


def build_card(
    run: Run, name: str, saved_model: dict, tfjs: dict, evaluation: dict | None = None
) -> dict:
    """Every key of card.json except ``files``.

    ``evaluation`` holds estimates measured outside this run (held-out test splits,
    leave-sources-out), each ``{"summary", "command", ...figures}``; see docs/bundle.md.
    """
    config = run.config
    weights = backbone(config.backbone).card_weights(config.weights)
    return {
        "card_version": CARD_VERSION,
        "name": name,
        "version": datetime.now(UTC).strftime("%Y.%m.%d.%H%M"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "backbone": {"name": config.backbone, "weights": weights},
        "input_size": config.input_size,
        "preprocessing": PREPROCESSING_SPEC,
        "labels": LABELS,
        "output": "probability_ai",
        "threshold": float(run.decision["threshold"]),
        "unsure_band": [float(v) for v in run.decision["unsure_band"]],
        "decision": {
            k: v for k, v in run.decision.items() if k not in ("threshold", "unsure_band")
        },
        "metrics": run.metrics,
        "evaluation": evaluation or {},
        "training_data": training_data_summary(run),
        "training_config": portable_config(config.to_json()),
        "saved_model": saved_model,
        "tfjs": tfjs,
    }


def file_hashes(bundle_dir: Path) -> dict[str, str]:
    """sha256 of every file under the bundle except card.json, by POSIX relative path."""
    return {
        path.relative_to(bundle_dir).as_posix(): sha256_file(path)
        for path in sorted(bundle_dir.rglob("*"))
        if path.is_file() and path.relative_to(bundle_dir).as_posix() != "card.json"
    }


def record_evaluation(bundle_dir: Path, evaluation: dict) -> None:
    """Record held-out estimates in an existing bundle: card.json's ``evaluation`` and
    MODEL_CARD.md (and its sha256) are rewritten; the model files are left untouched."""
    card_path = Path(bundle_dir) / "card.json"
    card = json.loads(card_path.read_text())
    card["evaluation"] = evaluation
    (Path(bundle_dir) / "MODEL_CARD.md").write_text(model_card_markdown(card, Path(bundle_dir)))
    card["files"]["MODEL_CARD.md"] = sha256_file(Path(bundle_dir) / "MODEL_CARD.md")
    card_path.write_text(json.dumps(card, indent=2) + "\n")


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def _recipe_lines(config: dict, decision: dict) -> list[str]:
    if not config:
        return ["- not recorded"]
    keys = (
        "backbone",
        "pooling",
        "input_size",
        "epochs",
        "warmup_epochs",
        "fine_tune_fraction",
        "learning_rate",
        "weight_decay",
        "dropout",
        "val_fraction",
        "seed",
    )
    pairs = ", ".join(f"{k} {config[k]}" for k in keys if k in config)
    augment = config.get("augment", {})
    lines = [f"- {pairs}", f"- augmentation: {'on' if augment.get('enabled') else 'off'}"]
    if config.get("train_on_test"):
        lines.append(
            "- release fit: trained on the test split too (`--train-on-test`), keeping the "
            "validation images of the run that held it out; the held-out estimates below come "
            "from such runs"
        )
    texture = decision.get("texture_weight")
    if texture:
        hidden = config.get("texture_hidden", 0)
        kind = f"a {hidden}-unit ReLU network" if hidden else "a logistic regression"
        lines.append(
            f"- texture head: {kind} on early-stage statistics, fitted on the training images "
            "and random full-resolution web copies of them; blend weight "
            f"{texture['weight']}, chosen on validation (table in card.json, "
            "decision.texture_weight)"
        )
    return lines


def _evaluation_lines(evaluation: dict) -> list[str]:
    """Held-out estimates: each entry's summary, command and worst sources."""
    if not evaluation:
        return []
    lines = ["## Held-out estimates"]
    for name, entry in evaluation.items():
        lines += ["", f"### {name.replace('_', ' ')}"]
        if entry.get("summary"):
            lines.append(entry["summary"])
        if entry.get("command"):
            lines += ["", "```bash", *entry["command"].splitlines(), "```"]
        per_source = entry.get("per_source") or {}
        if per_source:
            worst = sorted(per_source.items(), key=lambda kv: kv[1]["accuracy"])[:12]
            shown = ", ".join(f"{s} {r['accuracy']:.2f} ({r['label']})" for s, r in worst)
            lines.append(f"- Weakest held-out sources (known failure modes): {shown}.")
    return [*lines, ""]


def _metric_lines(metrics: dict) -> list[str]:
    lines = []
    for split, values in metrics.items():
        shown = {k: v for k, v in values.items() if isinstance(v, int | float)}
        if shown:
            pairs = ", ".join(f"{k} {v:.4g}" for k, v in shown.items())
            lines.append(f"- {split}: {pairs}")
    return lines or ["- none recorded (untrained run)"]


def model_card_markdown(card: dict, bundle_dir: Path) -> str:
    """The human-readable model card written beside card.json."""
    low, high = card["unsure_band"]
    size = card["input_size"]
    data = card["training_data"]
    lines = [
        f"# {card['name']} ({card['version']})",
        "",
        "Tells whether an image was generated by an AI model. Output: `probability_ai`, the",
        "probability (0..1) that the image is AI-generated.",
        "",
        "## Model",
        f"- Backbone: {card['backbone']['name']} ({card['backbone']['weights']}), "
        f"input {size} x {size} x 3 raw 0..255 pixels.",
        f"- Verdict: `ai` when p >= {high}, `human` when p < {low}, otherwise `unsure` "
        f"(decision threshold {card['threshold']}).",
        f"- TF.js weights: {card['tfjs']['quantization']} "
        f"({_size_mb(bundle_dir / 'tfjs'):.1f} MB); "
        f"SavedModel {_size_mb(bundle_dir / 'saved_model'):.1f} MB.",
        "",
        "## Preprocessing (every client does exactly this)",
        *[f"- {step}: {text}" for step, text in card["preprocessing"].items()],
        "",
        "## What the verdicts mean",
        f"- `ai` (p >= {high}) and `human` (p < {low}): the unsure band was chosen on",
        "  validation data so that these confident verdicts were at least 95% right while",
        "  leaving at most a quarter of the images unsure.",
        "- `unsure`: the model cannot tell; do not read it as a lean either way.",
        f"- The threshold {card['threshold']} (binary decisions, metrics) keeps the",
        "  false-positive rate on human-made images at or under 5% on validation data.",
        "- Clients also read the file's own provenance (docs/provenance.md): a C2PA AI",
        "  assertion whose signer chains to an installed trust list, or a generator's own",
        "  metadata, makes the verdict `ai` whatever p is; an unrecognised signer's claim",
        "  is shown and the model decides.",
        "",
        "## Recipe",
        *_recipe_lines(card.get("training_config", {}), card.get("decision", {})),
        "",
        "## Validation metrics",
        *_metric_lines(card["metrics"]),
        "",
        *_evaluation_lines(card.get("evaluation", {})),
        "## Training data",
        f"- Dataset: {data['dataset']}",
        *[f"- {split}: {counts}" for split, counts in data.get("splits", {}).items()],
        f"- Licences: {data['licences']}.",
        "",
        "## Limits",
        "- Scores shift on resized or heavily re-compressed images, screenshots, charts,",
        "  cartoons and edited photos; treat `unsure` as unsure.",
        "- The model knows only the generators and cameras of its training data.",
        "",
    ]
    return "\n".join(lines)
