"""Result rows of batch scoring (``COLUMNS``) and the files they are written to: CSV,
Parquet, a Kaggle submission. Both engines write exactly these."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from aiorhuman.bundle.scoring import Scored

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


def write_submission(results, threshold: float, out: Path) -> None:
    """Kaggle submission ``id,label`` (1 = AI); unscorable images get the majority guess 0."""
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "label"])
        for r in results:
            label = int(r.probability is not None and r.probability >= threshold)
            writer.writerow([r.sample.key, label])
