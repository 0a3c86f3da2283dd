"""The public provenance files (``../shared/fixtures/provenance-public``) and the official
library's answers for them (``reference.jsonl``), compared with the Python reader.

    python -m tests.provenance.public [FOLDER] [--json] [--trust-dir DIR]

prints how many files agree and each difference (``--json``: every object, for the
extension's cross-reader test). The folder is ``$AIORHUMAN_PUBLIC_FIXTURES``, else
``../shared/fixtures/provenance-public`` beside the project. Read with no trust list (as the
reference was made), or with ``--trust-dir``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = Path(
    os.environ.get("AIORHUMAN_PUBLIC_FIXTURES", ROOT.parent / "shared/fixtures/provenance-public")
)
# Differences with the reference that are understood (docs/provenance.md), by file.
KNOWN = {
    "rs/tiff_poc.tiff": "no C2PA marker in its bytes: the library is not run, so its TIFF "
    "parse error is not reported",
}


def references(folder: Path = PUBLIC) -> list[dict]:
    """The lines of ``reference.jsonl``."""
    return [json.loads(line) for line in (folder / "reference.jsonl").read_text().splitlines()]


def differences(ref: dict, got: dict) -> list[str]:
    """How the reader's object ``got`` differs from the library's answer ``ref`` (empty: agrees).

    A store the library read: one ``c2pa`` signal, ``valid`` as the library's state, the same
    digital source types and claim generator. No store: no signal and no C2PA error. A store
    the library could not read: no signal, and a C2PA error.
    """
    signal = next((s for s in got["signals"] if s["kind"] == "c2pa"), None)
    c2pa_errors = [e for e in got["errors"] if e.startswith("C2PA")]
    if ref.get("manifest") is True:
        if signal is None:
            return ["manifest store not reported"]
        c2pa, why = signal["c2pa"], []
        if c2pa["valid"] != (ref["state"] == "Valid"):
            why.append(f"valid {c2pa['valid']}, library {ref['state']}")
        if sorted(c2pa["digital_source_types"]) != sorted(set(ref["types_anywhere"])):
            why.append(f"types {c2pa['digital_source_types']}, library {ref['types_anywhere']}")
        if c2pa["claim_generator"] != ref["claim_generator"]:
            why.append(f"claim generator {c2pa['claim_generator']!r}")
        return why
    if ref.get("manifest") is False:
        return (
            [f"reported {signal and signal['detail']!r} {c2pa_errors}"]
            if signal or c2pa_errors
            else []
        )
    if signal is not None or not c2pa_errors:
        return [f"library error {ref.get('error')!r} not reported"]
    return []


def main(argv: list[str] | None = None) -> int:
    import argparse

    from aiorhuman.provenance import NO_TRUST, load_trust, read_provenance

    parser = argparse.ArgumentParser(description="The Python reader against reference.jsonl.")
    parser.add_argument("folder", nargs="?", type=Path, default=PUBLIC)
    parser.add_argument("--json", action="store_true", help="print {file: object} instead")
    parser.add_argument("--trust-dir", type=Path, help="read with these trust lists")
    args = parser.parse_args(argv)
    trust = load_trust(args.trust_dir) if args.trust_dir else NO_TRUST
    refs = references(args.folder)
    answers = {
        r["file"]: read_provenance((args.folder / r["file"]).read_bytes(), trust=trust)
        for r in refs
    }
    if args.json:
        print(json.dumps(answers, ensure_ascii=False))
        return 0
    agree = 0
    for ref in refs:
        why = differences(ref, answers[ref["file"]])
        agree += not why
        if why:
            print(f"{ref['file']}: {'; '.join(why)} ({KNOWN.get(ref['file'], 'not understood')})")
    print(f"Python reader: {agree} of {len(refs)} files agree with reference.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
