"""How much the texture head should weigh: unseen sources against recompression.

Training chooses the texture weight on validation (``training.blend``). This scores each
weight w, ``(1 - w) * fine_tuned + w * texture``, recalibrated and thresholded on each run's
validation split as training does: ROC-AUC and balanced accuracy on a test split, clean and
re-encoded as JPEG 60 and 40, and, on held-out source groups, ROC-AUC and per-source accuracy.

    python -m experiments.texture_weight --data ../shared/datasets/webmix-dev \\
        --split-run runs/texture-split-v4 --lso runs/lso-v2
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from aiorhuman.training.blend import WEIGHTS as CHOICES
from aiorhuman.training.blend import calibrated_blend, weigh

WEIGHTS = (0.0, *CHOICES)
JPEGS = ("jpeg_q60", "jpeg_q40")
MIN_SOURCE_IMAGES = 10


def pair_logits(run, samples, degrade=None):
    """``[N, 2]``: the fine-tuned and texture logits of ``samples`` (optionally degraded)."""
    from aiorhuman.training.model import logit_pairs
    from aiorhuman.training.pipeline import degraded_dataset, eval_dataset

    size = run.config.input_size
    if degrade is None:
        return logit_pairs(run.model, eval_dataset(samples, size, 32))
    return logit_pairs(run.model, degraded_dataset(samples, size, 32, degrade))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--split-run", type=Path, help="a texture-head run with a test split")
    parser.add_argument("--lso", type=Path, help="folder of texture-head fold runs (foldN)")
    args = parser.parse_args()

    import numpy as np
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.degrade import DEGRADATIONS
    from aiorhuman.training.runs import load_run

    samples, _ = load_labelled(args.data, check=False)
    by_key = {s.key: s for s in samples}

    def split(run, name):
        rows = json.loads((run.path / "splits.json").read_text())[name]
        items = [by_key[r["file"]] for r in rows]
        return items, np.array([s.label for s in items])

    if args.split_run:
        run = load_run(args.split_run)
        val, val_labels = split(run, "validation")
        test, test_labels = split(run, "test")
        val_logits, test_logits = pair_logits(run, val), pair_logits(run, test)
        degraded = {n: pair_logits(run, test, DEGRADATIONS[n]) for n in JPEGS}
        print(f"test split of {args.split_run} ({len(test)} images):")
        for w in WEIGHTS:
            probability, threshold = calibrated_blend(val_labels, val_logits, w)
            clean = probability(test_logits)
            accuracy = balanced_accuracy_score(test_labels, clean >= threshold)
            row = f"  w={w:.2f}: ROC-AUC {roc_auc_score(test_labels, clean):.4f}, BA {accuracy:.3f}"
            for name, logits in degraded.items():
                p = probability(logits)
                change = balanced_accuracy_score(test_labels, p >= threshold) - accuracy
                flips = np.mean((p >= threshold) != (clean >= threshold))
                row += (
                    f" | {name}: BA change {100 * change:+.1f} pts, decisions flipped {flips:.1%}"
                )
            print(row, flush=True)
    if args.lso:
        held_out_by_weight(args.lso, args.data, split)


def held_out_by_weight(lso: Path, data: Path, split) -> None:
    """Each weight on the held-out source groups of ``release.leave_sources_out``'s folds: ROC-AUC
    of each group, and the mean per-source accuracy at the weight's own validation threshold
    over the sources with >= 10 images."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from aiorhuman.training.data import load_sources
    from aiorhuman.training.runs import load_run

    sources = load_sources(data, "texture_weight")
    right: dict[float, dict[str, list[bool]]] = {w: {} for w in WEIGHTS}
    print(f"held-out source groups ({lso}), ROC-AUC:")
    for fold in sorted(lso.glob("fold[0-9]")):
        run = load_run(fold)
        val, val_labels = split(run, "validation")
        test, labels = split(run, "test")
        val_logits, logits = pair_logits(run, val), pair_logits(run, test)
        shown = []
        for w in WEIGHTS:
            shown.append(f"w={w:.2f} {roc_auc_score(labels, weigh(logits, w)):.3f}")
            probability, threshold = calibrated_blend(val_labels, val_logits, w)
            correct = (probability(logits) >= threshold) == labels.astype(bool)
            for sample, ok in zip(test, correct, strict=True):
                right[w].setdefault(sources[sample.key], []).append(bool(ok))
        print(f"  {fold.name} ({len(test)} images): {', '.join(shown)}", flush=True)
    print(f"mean per-source accuracy at each weight's validation threshold ({lso}):")
    for w, by_source in right.items():
        kept = [np.mean(v) for v in by_source.values() if len(v) >= MIN_SOURCE_IMAGES]
        print(f"  w={w:.2f}: {np.mean(kept):.3f} over {len(kept)} sources")


if __name__ == "__main__":
    main()
