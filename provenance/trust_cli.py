"""``aiorhuman-trust``: download the published C2PA trust lists into a trust folder, or show it.

    aiorhuman-trust update [--trust-dir DIR] [--source BASE_URL]
    aiorhuman-trust show [--trust-dir DIR]

``--trust-dir`` defaults to ``$AIORHUMAN_TRUST_DIR``. ``update`` fetches every list first and
writes nothing unless all of them arrive and look like lists; the user's own ``*.pem`` files
in the folder are left alone. ``--source`` fetches ``BASE_URL/<file name>`` instead of the
official locations (a mirror, or the tests' local server).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import urllib.request
from pathlib import Path

from aiorhuman.provenance.trust import (
    C2PA_LIST,
    INTERIM_ALLOWED,
    INTERIM_ANCHORS,
    INTERIM_CONFIG,
    MAX_FILE_BYTES,
    TRUST_DIR_ENV,
    TSA_LIST,
    load_trust,
    trust_dir,
)

CONFORMANCE = "https://raw.githubusercontent.com/c2pa-org/conformance-public/main/trust-list/"
INTERIM = "https://contentcredentials.org/trust/"
OFFICIAL_SOURCES = {
    C2PA_LIST: CONFORMANCE + C2PA_LIST,
    TSA_LIST: CONFORMANCE + TSA_LIST,
    INTERIM_ANCHORS: INTERIM + INTERIM_ANCHORS,
    INTERIM_ALLOWED: INTERIM + INTERIM_ALLOWED,
    INTERIM_CONFIG: INTERIM + INTERIM_CONFIG,
}
PEM = b"-----BEGIN CERTIFICATE-----"
OID_LINE = re.compile(rb"^\s*\d+(\.\d+)+\s*$", re.MULTILINE)
TIMEOUT_S = 30


def sources(base_url: str | None = None) -> dict[str, str]:
    """{file name: URL}: the official locations, or ``base_url/<name>`` for each file."""
    if base_url is None:
        return dict(OFFICIAL_SOURCES)
    return {name: base_url.rstrip("/") + "/" + name for name in OFFICIAL_SOURCES}


def plausible(name: str, body: bytes) -> bool:
    """Whether ``body`` looks like the file ``name`` should be (PEM certificates, EKU OIDs)."""
    return bool(PEM in body if name.endswith(".pem") else OID_LINE.search(body))


def fetch(url: str) -> bytes:
    """The body at ``url`` (at most ``MAX_FILE_BYTES``); raises ``OSError`` or ``ValueError``."""
    request = urllib.request.Request(url, headers={"User-Agent": "aiorhuman-trust"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        body = response.read(MAX_FILE_BYTES + 1)
    if len(body) > MAX_FILE_BYTES:
        raise ValueError(f"{url}: over {MAX_FILE_BYTES} bytes")
    return body


def update(folder: Path, urls: dict[str, str]) -> list[str]:
    """Download every list in ``urls`` into ``folder``; all or nothing. Returns the names."""
    bodies = {}
    for name, url in urls.items():
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"{url}: only http(s) URLs")
        body = fetch(url)
        if not plausible(name, body):
            raise ValueError(f"{url}: does not look like {name}")
        bodies[name] = body
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in bodies.items():
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}.", delete=False) as tmp:
            tmp.write(body)
        os.replace(tmp.name, folder / name)
    return sorted(bodies)


def describe(folder: Path | None) -> str:
    """One paragraph about what is installed in ``folder``."""
    if folder is None:
        return f"no trust folder (set {TRUST_DIR_ENV} or --trust-dir): no signer is recognised"
    trust = load_trust(folder)
    if not trust.installed:
        return f"{folder}: no trust list installed: no signer is recognised"
    return f"{folder}: " + ", ".join(trust.files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aiorhuman-trust", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "show"])
    parser.add_argument("--trust-dir", help=f"the trust folder (default: ${TRUST_DIR_ENV})")
    parser.add_argument("--source", metavar="BASE_URL", help="fetch BASE_URL/<file> instead")
    args = parser.parse_args(argv)
    folder = trust_dir(args.trust_dir)
    if args.command == "show":
        print(describe(folder))
        return 0
    if folder is None:
        parser.error(f"update needs --trust-dir or {TRUST_DIR_ENV}")
    try:
        names = update(folder, sources(args.source))
    except (OSError, ValueError) as exc:
        print(f"aiorhuman-trust: nothing written: {exc}", file=sys.stderr)
        return 1
    print(f"updated {', '.join(names)} in {folder}")
    print(describe(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
