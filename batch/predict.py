"""``aiorhuman-predict``: score image files, folders or a Kaggle ``test.csv`` with a run or a
bundle; writes ``path,probability_ai,verdict,error,reason,provenance`` and, for a test.csv, a
Kaggle submission. ``verdict`` is the final one: ``ai`` with reason ``metadata`` when the file's
own provenance decides (docs/provenance.md), else the model's."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiorhuman.batch.scoring import Scored
    from aiorhuman.training.data import Sample

COLUMNS = ("path", "probability_ai", "verdict", "error", "reason", "provenance")


def result_row(r: Scored) -> dict:
    """One image's output row (``COLUMNS``); both engines write exactly these."""
    return {
        "path": r.sample.key,
        "probability_ai": r.probability,
        "verdict": r.verdict,
        "error": r.error,
        "reason": r.reason,
        "provenance": None
        if r.provenance is None
        else json.dumps(r.provenance, ensure_ascii=False, separators=(",", ":")),
    }


def write_rows(rows: Iterable[dict], out: Path) -> None:
    """One CSV line per row, errors included; probabilities with 6 decimals."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in rows:
            p = row["probability_ai"]
            row = {**row, "probability_ai": None if p is None else f"{p:.6f}"}
            writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])


def result_schema():
    """The Arrow schema of ``COLUMNS``: ``probability_ai`` float64, the rest strings."""
    import pyarrow as pa

    return pa.schema([(c, pa.float64() if c == "probability_ai" else pa.string()) for c in COLUMNS])


def write_results(results, out: Path) -> None:
    """One CSV row per image, errors included."""
    write_rows(map(result_row, results), out)


def write_parquet(rows: Iterable[dict], out: Path) -> None:
    """The rows as one Parquet file (``result_schema``)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise SystemExit("Parquet output needs pyarrow: pip install pyarrow") from exc

    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(list(rows), schema=result_schema()), out)


def load_inputs(paths: Iterable[str]) -> list[Sample]:
    """``load_unlabelled``'s inputs, plus tables of paths: a ``.parquet``, or a ``.csv``, with a
    ``path`` column (relative paths are relative to the table's folder)."""
    from aiorhuman.training.data import Sample, load_unlabelled

    samples = []
    for item in map(Path, paths):
        keys = None
        if item.suffix == ".parquet":
            import pyarrow.parquet as pq

            keys = pq.read_table(item, columns=["path"]).column("path").to_pylist()
        elif item.suffix == ".csv":
            with item.open(newline="") as f:
                rows = list(csv.DictReader(f))
            keys = [row["path"] for row in rows] if rows and "path" in rows[0] else None
        if keys is None:
            samples += load_unlabelled([item])
        else:
            samples += [Sample(item.parent / key, None, key) for key in keys]
    return samples


def write_submission(results, threshold: float, out: Path) -> None:
    """Kaggle submission ``id,label`` (1 = AI); unscorable images get the majority guess 0."""
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "label"])
        for r in results:
            label = int(r.probability is not None and r.probability >= threshold)
            writer.writerow([r.sample.key, label])


def main(argv: list[str] | None = None) -> None:
    from aiorhuman.batch.scoring import open_model, score_samples

    p = argparse.ArgumentParser(prog="aiorhuman-predict", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, type=Path, help="run directory or bundle folder")
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
    args = p.parse_args(argv)

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
    scorer = open_model(args.model)
    results = score_samples(scorer, samples, args.batch_size, provenance=True)
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
