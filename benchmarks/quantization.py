"""Choose the shipped TF.js quantization: measure each one on real images, for both backbones.

For every backbone run and quantization (none, float16, uint8) this exports a bundle with the
real CLI (timing it and taking its peak memory), then scores the same images with the float32
SavedModel and with the TF.js model (Node, wasm) and reports: bundle sizes, the largest and
mean probability difference, the change in ROC-AUC and accuracy (at the card's threshold)
against float32, and how many verdicts change. Prints a markdown table (and writes ``--out``).

    python benchmarks/quantization.py --run runs/lite0-split-v1 --count 200 --out table.md

Images come from the run's held-out test split (else its validation split) of the dataset.
Without ``--resnet-run`` an untrained Keras ResNet-50 V2 run at 224 px stands in: its sizes,
time and memory are real, its probability differences only show numeric drift.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from aiorhuman.bundle import load_bundle, verdict
from aiorhuman.bundle.preprocess import preprocess_bytes
from aiorhuman.convert.jsparity import run_tfjs
from aiorhuman.training.runs import load_run

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUANTIZATIONS = ("none", "float16", "uint8")


@dataclass
class Row:
    backbone: str
    quantization: str
    tfjs_mb: float
    saved_model_mb: float
    max_diff: float
    mean_diff: float
    auc_change: float
    accuracy_change: float
    verdict_changes: int
    seconds: float
    peak_gb: float


def pick_images(
    run_dir: Path, data: Path, count: int, seed: int = 0
) -> tuple[list[Path], np.ndarray]:
    """``count`` labelled images from the run's test split (else validation), stratified."""
    splits = json.loads((run_dir / "splits.json").read_text())
    pool = splits.get("test") or splits["validation"]
    rng = np.random.default_rng(seed)
    chosen = []
    for label in (0, 1):
        items = [s for s in pool if s["label"] == label]
        share = round(count * len(items) / len(pool))
        chosen += [items[i] for i in rng.permutation(len(items))[:share]]
    return [data / s["file"] for s in chosen], np.array([s["label"] for s in chosen])


def pixels_of(paths: list[Path], size: int) -> np.ndarray:
    return np.stack([preprocess_bytes(p.read_bytes(), size).numpy() for p in paths])


def export_measured(run_dir: Path, out: Path, quantize: str) -> tuple[float, float]:
    """Run ``python -m convert``; return (seconds, peak resident memory in GB)."""
    command = [
        sys.executable,
        "-m",
        "aiorhuman.convert",
        str(run_dir),
        "--out",
        str(out),
        "--quantize",
        quantize,
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export failed: {process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024**2


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def measure(
    run_dir: Path, backbone: str, labels: np.ndarray, pixels: np.ndarray, work: Path
) -> list[Row]:
    rows, reference = [], None
    for quantize in QUANTIZATIONS:
        out = work / f"{backbone}-{quantize}"
        seconds, peak = export_measured(run_dir, out, quantize)
        bundle = load_bundle(out)
        if reference is None:
            reference = bundle.predict_pixels(pixels)
        result = run_tfjs(out, pixels, ("node-wasm",), timeout=1800)["node-wasm"]
        if "error" in result:
            raise SystemExit(f"{backbone} {quantize}: TF.js failed: {result['error']}")
        probs = np.asarray(result["probabilities"], np.float32)
        threshold, band = bundle.card["threshold"], bundle.card["unsure_band"]
        diff = np.abs(probs - reference)
        rows.append(
            Row(
                backbone,
                quantize,
                size_mb(out / "tfjs"),
                size_mb(out / "saved_model"),
                float(diff.max()),
                float(diff.mean()),
                float(roc_auc_score(labels, probs) - roc_auc_score(labels, reference)),
                float(
                    np.mean((probs >= threshold) == labels)
                    - np.mean((reference >= threshold) == labels)
                ),
                sum(
                    verdict(a, band) != verdict(b, band)
                    for a, b in zip(probs, reference, strict=True)
                ),
                seconds,
                peak,
            )
        )
        print(f"{backbone} {quantize}: max |dp| {diff.max():.2e}", file=sys.stderr)
    accuracy = np.mean((reference >= threshold) == labels)
    note = (
        f"- {backbone}, float32 SavedModel on these {len(labels)} images: "
        f"ROC-AUC {roc_auc_score(labels, reference):.4f}, accuracy {accuracy:.3f}"
    )
    return rows, note


def markdown(rows: list[Row], counts: dict[str, int], notes: list[str]) -> str:
    lines = [
        "| backbone | TF.js weights | TF.js MB | SavedModel MB | max \\|Δp\\| | mean \\|Δp\\| "
        "| ΔROC-AUC | Δaccuracy | verdicts changed | export s | peak RAM GB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.backbone} | {r.quantization} | {r.tfjs_mb:.1f} | {r.saved_model_mb:.1f} "
            f"| {r.max_diff:.1e} | {r.mean_diff:.1e} | {r.auc_change:+.4f} "
            f"| {r.accuracy_change:+.3f} "
            f"| {r.verdict_changes}/{counts[r.backbone]} | {r.seconds:.0f} | {r.peak_gb:.1f} |"
        )
    return "\n".join([*lines, "", *notes]) + "\n"


def untrained_resnet(work: Path) -> Path:
    from tests.convert.conftest import make_resnet_run

    run_dir = work / "resnet50v2-untrained-run"
    if not (run_dir / "model.weights.h5").is_file():
        make_resnet_run(run_dir, input_size=224)
    return run_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", type=Path, required=True, help="trained EfficientNet-Lite0 run")
    parser.add_argument("--resnet-run", type=Path, help="ResNet-50 V2 run (default: untrained)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/datasets/webmix-dev")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/tmp/aiorhuman-quantization"))
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    paths, labels = pick_images(args.run, args.data, args.count)
    runs = {
        "efficientnet_lite0": args.run,
        "resnet50v2": args.resnet_run or untrained_resnet(args.work),
    }
    rows, counts, notes = [], {}, []
    for backbone, run_dir in runs.items():
        size = load_run(run_dir).config.input_size
        counts[backbone] = len(paths)
        backbone_rows, note = measure(run_dir, backbone, labels, pixels_of(paths, size), args.work)
        rows += backbone_rows
        notes.append(note)
    table = markdown(rows, counts, notes)
    print(table)
    if args.out:
        args.out.write_text(table)


if __name__ == "__main__":
    main()
