"""``aiorhuman-predict``: score image files, folders or a Kaggle ``test.csv`` with a bundle;
writes ``path,probability_ai,verdict,error,reason,provenance`` and, for a test.csv, a Kaggle
submission. ``verdict`` is the final one: ``ai`` with reason ``metadata`` when the file's own
provenance decides (docs/provenance.md), else the model's."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from aiorhuman.batch.inputs import load_inputs
from aiorhuman.batch.rows import result_row, write_parquet, write_results, write_submission
from aiorhuman.batch.scoring import open_bundle, score_files
from aiorhuman.provenance.trust import TRUST_DIR_ENV


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="aiorhuman-predict", description=__doc__.splitlines()[0])
    p.add_argument(
        "--model",
        required=True,
        type=Path,
        help="bundle folder (aiorhuman-convert makes one from a run)",
    )
    p.add_argument(
        "paths",
        nargs="+",
        help="image files, folders, a Kaggle test.csv, or a table (.parquet, .csv) with a path "
        "column",
    )
    p.add_argument("--out", required=True, type=Path, help="results: CSV, or Parquet (.parquet)")
    p.add_argument(
        "--format",
        choices=("csv", "parquet", "both"),
        help="default: from --out's suffix; both: OUT.parquet and OUT.csv",
    )
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="ray: Ray Data, parallel and resumable, bundles only (docs/batch.md)",
    )
    p.add_argument("--address", help="Ray cluster to join (default: start a local one)")
    p.add_argument(
        "--workers", type=int, help="Ray model workers (default: one per GPU, else half the CPUs)"
    )
    p.add_argument(
        "--submission",
        type=Path,
        help="Kaggle submission CSV (default for a test.csv input: OUT.submission.csv)",
    )
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument(
        "--trust-dir",
        type=Path,
        help="folder of C2PA trust lists (aiorhuman-trust update; default: $AIORHUMAN_TRUST_DIR); "
        "with none, no C2PA signer is recognised",
    )
    args = p.parse_args(argv)
    if args.trust_dir is not None:
        if not args.trust_dir.is_dir():
            raise SystemExit(f"--trust-dir {args.trust_dir}: no such folder")
        os.environ[TRUST_DIR_ENV] = str(args.trust_dir)  # read by every provenance reader

    samples = load_inputs(args.paths)
    if not samples:
        raise SystemExit("no images found")
    fmt = args.format or ("parquet" if args.out.suffix == ".parquet" else "csv")
    parquet, csv_out = {
        "csv": (None, args.out),
        "parquet": (args.out, None),
        "both": (args.out.with_suffix(".parquet"), args.out.with_suffix(".csv")),
    }[fmt]
    if args.engine == "ray":
        from aiorhuman.batch.ray_engine import score_with_ray

        if args.submission:
            raise SystemExit("--submission needs --engine local")
        summary = score_with_ray(
            args.model, samples, args.out, parquet, csv_out, args.address, args.batch_size,
            args.workers,
        )  # fmt: skip
        print(f"{summary}; results in {', '.join(str(p) for p in (parquet, csv_out) if p)}")
        return
    scorer = open_bundle(args.model)
    results = score_files(scorer, samples, args.batch_size)
    if csv_out:
        write_results(results, csv_out)
    if parquet:
        write_parquet(map(result_row, results), parquet)
    submission = args.submission
    if submission is None and any(str(x).endswith("test.csv") for x in args.paths):
        submission = args.out.with_suffix(".submission.csv")
    if submission:
        write_submission(results, scorer.threshold, submission)
    errors = [r for r in results if r.error]
    for r in errors[:10]:
        print(f"error: {r.sample.key}: {r.error}", file=sys.stderr)
    counts = {v: sum(r.verdict == v for r in results) for v in ("ai", "human", "unsure")}
    print(
        f"{len(results)} images: {counts['ai']} ai, {counts['human']} human, "
        f"{counts['unsure']} unsure, {len(errors)} errors"
        f" ({sum(r.reason == 'metadata' for r in results)} ai by metadata); results in "
        + ", ".join(str(p) for p in (parquet, csv_out) if p)
        + (f", submission in {submission}" if submission else "")
    )


if __name__ == "__main__":
    main()
