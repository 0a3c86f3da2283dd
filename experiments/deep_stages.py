"""Would the texture head gain from Lite0's deep stages? What a second copy of them would buy.

The texture head reads the statistics of ImageNet Lite0's first five stages, which fine-tuning
leaves untouched, so the bundle holds one copy of every weight. Stages 6 and 7 (192 and 320
channels) are fine-tuned; their ImageNet statistics would need a frozen copy of both stages in
the bundle. This measures what that copy would buy, on frozen ImageNet features of:

- "early": the spatial mean and standard deviation of stages 1-5 (the shipped head's input);
- "deep": the same of stages 6 and 7;
- "head": the 1280 pooled head features (the baseline's input).

Each head is the shipped texture head (``training.model.fit_texture_layers``, 64 ReLU units)
fitted on the clean images plus 3 web copies (``training.degrade.random_web_copy``). It prints:

1. each head alone: test ROC-AUC of a split run's test split, clean and under each web
   degradation (with the balanced-accuracy change and decisions flipped at a threshold chosen
   on validation), and ROC-AUC on whole source groups left out of its fit (the groups of
   ``release.leave_sources_out``; fitted on every image of the other groups);
2. on the test split, each head blended with the split run's fine-tuned logit, and as a third
   part beside the run's own blend, each weight calibrated and thresholded on validation as
   training does (``training.blend``);
3. the spread of the early head alone over 5 seeds of its fit, for scale.

    python -m experiments.deep_stages --data ../shared/datasets/webmix-dev \\
        --run runs/texture-split-v5 --lso-groups runs/lso-v3/groups.json --out runs/deep-stages
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PASSES = 3
BATCH = 32
HIDDEN = 64
SEEDS = 5
TEXTURE_STAGES = 5
HEADS = {
    "early (shipped)": ("early",),
    "early + deep": ("early", "deep"),
    "deep": ("deep",),
    "early + deep + head": ("early", "deep", "head"),
}
DEGRADED = ("jpeg_q60", "jpeg_q40", "half_size", "crop_4_3", "crop_square")
BLEND_WEIGHTS = (0.25, 0.35, 0.5)


def stage_statistics_model():
    """Frozen ImageNet Lite0 giving the output of each of its 7 stages and the pooled head."""
    import tf_keras as keras

    from aiorhuman.training.backbones.efficientnet_lite import STAGES, imagenet_model

    model = imagenet_model(224, pooling="stages")
    stages = [model.get_layer(f"stage{i}_pool").input for i in range(len(STAGES))]
    return keras.Model(model.input, [*stages, model.get_layer("pool").output])


def deep_copy_weights() -> int:
    """Weights in Lite0's stages 6 and 7: what a frozen copy of them would add."""
    from aiorhuman.training.backbones.efficientnet_lite import STAGES, imagenet_model

    model = imagenet_model(224)
    first = sum(repeats for *_, repeats in STAGES[:TEXTURE_STAGES])
    prefixes = tuple(f"blocks.{i}." for i in range(first, sum(s[-1] for s in STAGES)))
    return sum(
        int(w.shape.num_elements())
        for layer in model.layers
        if layer.name.startswith(prefixes)
        for w in layer.weights
    )


def extract(data: Path, run: Path, cache: Path) -> dict:
    """Features (``early | deep | head`` columns) of every image, clean and as web copies,
    and of the run's test split degraded; cached in ``cache``."""
    import numpy as np

    if cache.is_file():
        return dict(np.load(cache))
    from aiorhuman.progress import progress
    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.degrade import DEGRADATIONS
    from aiorhuman.training.pipeline import degraded_dataset, eval_dataset, web_copies_dataset

    samples, _ = load_labelled(data, check=False)
    by_key = {s.key: s for s in samples}
    splits = json.loads((run / "splits.json").read_text())
    val, test = ([by_key[r["file"]] for r in splits[n]] for n in ("validation", "test"))
    model = stage_statistics_model()

    def features(dataset, count: int, label: str):
        rows = []
        for pixels, _ in progress(dataset, label, total=-(-count // BATCH)):
            *stages, head = (o.numpy() for o in model(pixels, training=False))
            stats = [f(s, axis=(1, 2)) for s in stages for f in (np.mean, np.std)]
            rows.append(np.concatenate([*stats, head], axis=1))
        return np.concatenate(rows)

    out = {
        "keys": np.array([s.key for s in samples]),
        "labels": np.array([s.label for s in samples]),
        "val_keys": np.array([s.key for s in val]),
        "test_keys": np.array([s.key for s in test]),
        "clean": features(eval_dataset(samples, 224, BATCH), len(samples), "clean"),
        "web": features(
            web_copies_dataset(samples, 224, BATCH, 1, PASSES), PASSES * len(samples), "web copies"
        ),
    }
    for name in DEGRADED:
        dataset = degraded_dataset(test, 224, BATCH, DEGRADATIONS[name])
        out[f"test_{name}"] = features(dataset, len(test), f"test {name}")
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **out)
    return out


def columns(parts: tuple[str, ...]):
    """Column indices of the feature parts ``parts`` (of ``early``, ``deep``, ``head``)."""
    import numpy as np

    from aiorhuman.training.backbones.efficientnet_lite import FEATURES, STAGES

    widths = [2 * s[3] for s in STAGES]
    early = sum(widths[:TEXTURE_STAGES])
    spans = {
        "early": (0, early),
        "deep": (early, sum(widths)),
        "head": (sum(widths), sum(widths) + FEATURES),
    }
    return np.concatenate([np.arange(*spans[p]) for p in parts])


class Heads:
    """Fits heads on the clean and web-copy features of chosen images."""

    def __init__(self, features: dict):
        self.f = features
        self.n = len(features["keys"])

    def fit(self, rows, parts: tuple[str, ...], seed: int = 0):
        """A function from feature rows to the head's logits."""
        import numpy as np

        from aiorhuman.training.model import fit_texture_layers, texture_logits

        cols = columns(parts)
        web = [self.f["web"][p * self.n + rows] for p in range(PASSES)]
        x = np.concatenate([self.f["clean"][rows], *web])[:, cols]
        y = np.tile(self.f["labels"][rows], 1 + PASSES)
        layers = fit_texture_layers(x, y, HIDDEN, seed=seed)
        return lambda z: texture_logits(layers, z[:, cols])


def alone(heads: Heads, fitted: dict, rows: dict, groups: list[list[str]], sources) -> dict:
    """Part 1: each head (``fitted`` on the training split) alone on the test split, degraded,
    and, refitted without them, on held-out source groups."""
    import numpy as np
    from scipy.special import expit
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    from aiorhuman.training.metrics import choose_threshold

    f, labels = heads.f, heads.f["labels"]
    val_y, test_y = labels[rows["validation"]], labels[rows["test"]]
    results = {}
    for name, parts in HEADS.items():
        head = fitted[name]
        threshold = choose_threshold(val_y, expit(head(f["clean"][rows["validation"]])))
        clean = head(f["clean"][rows["test"]])
        decided = expit(clean) >= threshold
        base = balanced_accuracy_score(test_y, decided)
        r = {"test_roc_auc": roc_auc_score(test_y, clean), "balanced_accuracy": base}
        for d in DEGRADED:
            logits = head(f[f"test_{d}"])
            now = expit(logits) >= threshold
            r[d] = {
                "roc_auc": roc_auc_score(test_y, logits),
                "ba_change": balanced_accuracy_score(test_y, now) - base,
                "flips": float(np.mean(now != decided)),
            }
        r["held_out_groups"] = []
        for group in groups:
            held = np.isin(sources, group)
            without = heads.fit(np.flatnonzero(~held), parts)
            r["held_out_groups"].append(roc_auc_score(labels[held], without(f["clean"][held])))
        results[name] = r
        print(f"measured {name}", file=sys.stderr, flush=True)
    return results


def blends(heads: Heads, fitted: dict, rows: dict, pairs: dict) -> dict:
    """Part 2: the heads ``fitted`` on the training split, blended with the run's fine-tuned
    logit, or beside its own blend."""
    import numpy as np
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    from aiorhuman.training.blend import calibrated_blend

    f, labels = heads.f, heads.f["labels"]
    val_y, test_y = labels[rows["validation"]], labels[rows["test"]]
    run_blend = pairs["weight"]
    firsts = {
        "fine-tuned": lambda p: p[:, 0],
        "the run's blend": lambda p: (1 - run_blend) * p[:, 0] + run_blend * p[:, 1],
    }
    results = {}
    for first_name, first in firsts.items():
        for name, parts in HEADS.items():
            if first_name != "fine-tuned" and parts == ("early",):
                continue
            head = fitted[name]

            def pair(split: str, degraded: str = "", head=head, first=first):
                key = f"{split}_{degraded}" if degraded else split
                feats = f[key] if degraded else f["clean"][rows[split]]
                return np.stack([first(pairs[key]), head(feats)], axis=1)

            for w in BLEND_WEIGHTS:
                probs, threshold = calibrated_blend(val_y, pair("validation"), w)
                clean = probs(pair("test"))
                base = balanced_accuracy_score(test_y, clean >= threshold)
                jpeg = probs(pair("test", "jpeg_q40"))
                results[f"{first_name} + {name}, w {w}"] = {
                    "test_roc_auc": roc_auc_score(test_y, clean),
                    "balanced_accuracy": base,
                    "jpeg_q40_roc_auc": roc_auc_score(test_y, jpeg),
                    "jpeg_q40_ba_change": balanced_accuracy_score(test_y, jpeg >= threshold) - base,
                }
    return results


def seed_spread(heads: Heads, rows: dict, groups, sources) -> dict:
    """Part 3: the early head alone, fitted with ``SEEDS`` seeds (0 is part 1's)."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    f, labels = heads.f, heads.f["labels"]
    test, held = [], []
    for seed in range(SEEDS):
        head = heads.fit(rows["train"], ("early",), seed)
        test.append(roc_auc_score(labels[rows["test"]], head(f["clean"][rows["test"]])))
        group = np.isin(sources, groups[0])
        fitted = heads.fit(np.flatnonzero(~group), ("early",), seed)
        held.append(roc_auc_score(labels[group], fitted(f["clean"][group])))
    return {"test_roc_auc": test, "held_out_group_1_roc_auc": held}


def run_pairs(run_dir: Path, data: Path, features: dict) -> dict:
    """The run's ``[fine-tuned, texture]`` logit pairs of its validation and test splits
    (the test split also at JPEG 40), and its texture weight."""
    from aiorhuman.training.data import load_labelled
    from aiorhuman.training.degrade import DEGRADATIONS
    from aiorhuman.training.runs import load_run
    from experiments.texture_weight import pair_logits

    run = load_run(run_dir)
    by_key = {s.key: s for s in load_labelled(data, check=False)[0]}
    val, test = ([by_key[k] for k in features[n]] for n in ("val_keys", "test_keys"))
    decision = json.loads((run_dir / "decision.json").read_text())
    return {
        "validation": pair_logits(run, val),
        "test": pair_logits(run, test),
        "test_jpeg_q40": pair_logits(run, test, DEGRADATIONS["jpeg_q40"]),
        "weight": decision["texture_weight"]["weight"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--run", required=True, type=Path, help="texture-head run, test split")
    parser.add_argument("--lso-groups", required=True, type=Path, help="its groups.json")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    import numpy as np

    from aiorhuman.training.data import find_metadata, load_metadata

    features = extract(args.data, args.run, args.out / "features.npz")
    index = {k: i for i, k in enumerate(features["keys"])}
    splits = json.loads((args.run / "splits.json").read_text())
    rows = {n: np.array([index[r["file"]] for r in splits[n]]) for n in splits}
    metadata = load_metadata(find_metadata(args.data))
    sources = np.array([metadata[k]["source"] for k in features["keys"]])
    groups = json.loads(args.lso_groups.read_text())
    heads = Heads(features)
    fitted = {name: heads.fit(rows["train"], parts) for name, parts in HEADS.items()}

    results = {"deep_copy_weights": deep_copy_weights()}
    results["alone"] = alone(heads, fitted, rows, groups, sources)
    results["blends"] = blends(heads, fitted, rows, run_pairs(args.run, args.data, features))
    results["seeds"] = seed_spread(heads, rows, groups, sources)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))


def report(results: dict) -> str:
    """The results as Markdown tables."""
    copy = results["deep_copy_weights"]
    lines = [
        f"A frozen copy of stages 6-7: {copy / 1e6:.2f} M weights "
        f"(+{copy * 4 / 1e6:.1f} MB SavedModel, +{copy * 2 / 1e6:.1f} MB TF.js float16)",
        "",
        "| head alone | test ROC-AUC | " + " | ".join(DEGRADED) + " | held-out source groups |",
        "|---|---|" + "---|" * len(DEGRADED) + "---|",
    ]
    for name, r in results["alone"].items():
        cells = [
            f"{r[d]['roc_auc']:.3f}, {100 * r[d]['ba_change']:+.1f} pts, {100 * r[d]['flips']:.1f}%"
            for d in DEGRADED
        ]
        groups = " / ".join(f"{a:.3f}" for a in r["held_out_groups"])
        lines.append(
            f"| {name} | {r['test_roc_auc']:.3f} | " + " | ".join(cells) + f" | {groups} |"
        )
    lines += [
        "",
        "| blend | test ROC-AUC | balanced accuracy | JPEG 40 ROC-AUC | JPEG 40 BA change |",
        "|---|---|---|---|---|",
    ]
    for name, r in results["blends"].items():
        lines.append(
            f"| {name} | {r['test_roc_auc']:.3f} | {r['balanced_accuracy']:.3f} | "
            f"{r['jpeg_q40_roc_auc']:.3f} | {100 * r['jpeg_q40_ba_change']:+.1f} pts |"
        )
    seeds = results["seeds"]
    for label, values in seeds.items():
        lines.append(
            f"\nearly head over {SEEDS} seeds, {label}: "
            + ", ".join(f"{v:.3f}" for v in values)
            + f" (range {max(values) - min(values):.3f})"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
