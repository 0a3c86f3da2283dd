"""``aiorhuman-convert``: export a run as a model bundle, or verify a bundle.

aiorhuman-convert RUN_DIR --out models/NAME [--quantize float16|uint8|none]
aiorhuman-convert --verify models/NAME [--run RUN_DIR] [--images DIR --limit N]
aiorhuman-convert --annotate models/NAME --evaluation FILE
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

from aiorhuman.convert.quantization import QUANTIZATIONS
from aiorhuman.quiet import LOGS_ENV


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="aiorhuman-convert", description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", nargs="?", type=Path, help="training run directory to export")
    parser.add_argument("--out", type=Path, help="bundle folder to write, e.g. models/default")
    parser.add_argument(
        "--quantize",
        choices=QUANTIZATIONS,
        default="float16",
        help="TF.js weight quantization (default float16)",
    )
    parser.add_argument("--name", help="bundle name in card.json (default: the folder name)")
    parser.add_argument(
        "--evaluation",
        type=Path,
        help="JSON of held-out estimates to record in card.json (see docs/bundle.md)",
    )
    parser.add_argument(
        "--verify",
        type=Path,
        metavar="BUNDLE",
        help="check a bundle instead of exporting (or after, with --out)",
    )
    parser.add_argument(
        "--annotate",
        type=Path,
        metavar="BUNDLE",
        help="record --evaluation in an existing bundle's card without re-exporting it",
    )
    parser.add_argument("--run", type=Path, help="run directory for the Keras check (--verify)")
    parser.add_argument("--images", type=Path, help="folder of real images for --verify")
    parser.add_argument("--limit", type=int, default=8, help="images taken from --images")
    parser.add_argument(
        "--backends",
        default="node-wasm,chromium-wasm,chromium-webgl",
        help="TF.js backends to check, comma-separated",
    )
    parser.add_argument("--json", type=Path, help="also write the verification report here")
    args = parser.parse_args(argv)
    if args.annotate is not None:
        if args.evaluation is None:
            parser.error("--annotate needs --evaluation FILE")
    elif args.verify is None and (args.run_dir is None or args.out is None):
        parser.error("give RUN_DIR --out BUNDLE to export, --verify BUNDLE or --annotate BUNDLE")
    return args


def read_evaluation(path: Path | None) -> dict | None:
    """The held-out estimates file of ``--evaluation``: a JSON object of objects."""
    if path is None:
        return None
    evaluation = json.loads(path.read_text())
    if not isinstance(evaluation, dict) or not all(
        isinstance(v, dict) for v in evaluation.values()
    ):
        raise SystemExit(f"{path}: expected a JSON object of objects")
    return evaluation


def _quiet_tensorflow() -> None:
    """TensorFlow's Python warnings too, unless ``AIORHUMAN_TF_LOGS`` asks for logs (its
    native ones are quieted by ``aiorhuman.quiet``)."""
    if os.environ.get(LOGS_ENV):
        return
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")


def _peak_memory_mb() -> float:
    peaks = (
        resource.getrusage(who).ru_maxrss
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return max(peaks) / 1024  # ru_maxrss is in KiB on Linux


def export(args: argparse.Namespace) -> Path:
    from aiorhuman.convert.export import export_bundle

    started = time.perf_counter()
    out = export_bundle(
        args.run_dir,
        args.out,
        quantize=args.quantize,
        name=args.name,
        evaluation=read_evaluation(args.evaluation),
    )
    seconds = time.perf_counter() - started
    print(
        f"wrote {out} in {seconds:.0f} s, peak memory {_peak_memory_mb():.0f} MB", file=sys.stderr
    )
    return out


def verify(bundle_dir: Path, args: argparse.Namespace) -> bool:
    from aiorhuman.convert.samples import folder_samples
    from aiorhuman.convert.verify import verify_bundle, write_report

    images = folder_samples(args.images, args.limit) if args.images else None
    backends = tuple(b for b in args.backends.split(",") if b)
    report = verify_bundle(
        bundle_dir, run_dir=args.run or args.run_dir, images=images, backends=backends
    )
    print(report.as_text())
    if args.json:
        write_report(report, args.json)
    return report.passed


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    _quiet_tensorflow()
    from aiorhuman.bundle import BundleError
    from aiorhuman.convert.jsparity import JsParityError
    from aiorhuman.convert.tfjs import ConversionError

    if args.annotate is not None:
        from aiorhuman.convert.card import record_evaluation

        record_evaluation(args.annotate, read_evaluation(args.evaluation))
        print(f"recorded {args.evaluation} in {args.annotate}/card.json", file=sys.stderr)
        return
    try:
        bundle_dir = export(args) if args.out else args.verify
        if args.verify is not None and not verify(bundle_dir, args):
            raise SystemExit(1)
    except (BundleError, ConversionError, JsParityError, FileNotFoundError) as exc:
        raise SystemExit(f"error: {exc}") from exc
