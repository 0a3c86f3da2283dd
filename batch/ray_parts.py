"""Committed result parts: what makes a batch run resumable, with no image lost or scored twice.

A run writes into ``<out>.parts/``::

    _manifest.jsonl      line 1: the header (which model); then one line per committed part
    part-000001.parquet  result rows, written by the driver alone

Names starting with ``_`` or ``.`` are skipped by Parquet readers, so the folder is also a
Parquet dataset of the committed rows (plus any uncommitted part, until the next open).

A part counts only once its manifest line is on disk: the part is written to a temporary
name, flushed, renamed, and only then is its line appended (and flushed). A crash can leave a
temporary file, or a renamed part whose line never made it: opening the store deletes both, so
their images are scored again. A torn last manifest line is ignored the same way. The keys
(``path``) of committed parts are skipped on resume, so every key is committed exactly once.
Needs pyarrow only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from aiorhuman.batch.rows import result_schema, write_rows

MANIFEST = "_manifest.jsonl"


class PartsMismatch(Exception):
    """The parts folder was started with another model (or is not a parts folder)."""


class PartStore:
    """The committed parts of one output, opened (and cleaned up) for resuming."""

    def __init__(self, folder: Path, header: dict) -> None:
        self.folder = folder
        self.schema = result_schema()
        folder.mkdir(parents=True, exist_ok=True)
        manifest = folder / MANIFEST
        lines = manifest.read_text().splitlines() if manifest.exists() else []
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a torn last line: that part was never committed
        if not entries:
            self.parts: list[dict] = []
            self._append(header, fresh=True)
        elif entries[0] != header:
            raise PartsMismatch(
                f"{folder} holds results of {entries[0]}, not {header}: "
                "remove it or write to another --out"
            )
        else:
            self.parts = entries[1:]
            if len(entries) < len(lines):  # rewrite without the torn line
                self._rewrite([header, *self.parts])
        committed = {part["part"] for part in self.parts}
        for path in [*folder.glob("part-*"), *folder.glob(".part-*")]:
            if path.name not in committed:
                path.unlink()

    @property
    def rows(self) -> int:
        """How many rows are committed."""
        return sum(part["rows"] for part in self.parts)

    def keys(self) -> pa.Array:
        """The ``path`` of every committed row."""
        columns = [self._read(part, ["path"]).column("path") for part in self.parts]
        return pa.chunked_array(columns, pa.string()).combine_chunks()

    def commit(self, table: pa.Table) -> None:
        """Write ``table`` as the next part and commit it."""
        number = int(self.parts[-1]["part"][5:11]) + 1 if self.parts else 1
        name = f"part-{number:06d}.parquet"
        tmp = self.folder / f".{name}.tmp"
        pq.write_table(table.select(self.schema.names).cast(self.schema), tmp)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        tmp.rename(self.folder / name)
        entry = {"part": name, "rows": table.num_rows}
        self._append(entry)
        self.parts.append(entry)

    def tables(self) -> Iterator[pa.Table]:
        """Committed parts, one table at a time, in commit order."""
        for part in self.parts:
            yield self._read(part)

    def export(self, parquet: Path | None, csv: Path | None) -> None:
        """Write the committed rows as one Parquet and/or one CSV file, one part at a time."""
        if parquet:
            tmp = parquet.with_name(parquet.name + ".tmp")
            parquet.parent.mkdir(parents=True, exist_ok=True)
            with pq.ParquetWriter(tmp, self.schema) as writer:
                for table in self.tables():
                    writer.write_table(table)
            tmp.replace(parquet)
        if csv:
            tmp = csv.with_name(csv.name + ".tmp")
            write_rows((row for table in self.tables() for row in table.to_pylist()), tmp)
            tmp.replace(csv)

    def _read(self, part: dict, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(self.folder / part["part"], columns=columns, schema=self.schema)

    def _append(self, entry: dict, fresh: bool = False) -> None:
        with (self.folder / MANIFEST).open("w" if fresh else "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _rewrite(self, entries: list[dict]) -> None:
        tmp = self.folder / f"{MANIFEST}.tmp"
        tmp.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in entries))
        tmp.replace(self.folder / MANIFEST)
