"""Trust lists: which C2PA signers are recognised, read from a folder the user controls.

The folder (``--trust-dir`` or the ``AIORHUMAN_TRUST_DIR`` environment variable; none by
default) holds the lists that ``aiorhuman-trust update`` downloads, under their published
names, and any PEM file of the user's own anchors (a newsroom's cameras, say):

- ``C2PA-TRUST-LIST.pem``, ``C2PA-TSA-TRUST-LIST.pem``: the official C2PA trust list and its
  time-stamp authorities;
- ``anchors.pem``, ``allowed.pem``, ``store.cfg``: the Content Credentials interim list
  (trust anchors, allowed end-entity certificates, accepted certificate uses);
- any other ``*.pem``: the user's own anchors.

With no folder, or an empty one, no signer is recognised.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from pathlib import Path

TRUST_DIR_ENV = "AIORHUMAN_TRUST_DIR"
C2PA_LIST = "C2PA-TRUST-LIST.pem"
TSA_LIST = "C2PA-TSA-TRUST-LIST.pem"
INTERIM_ANCHORS = "anchors.pem"
INTERIM_ALLOWED = "allowed.pem"
INTERIM_CONFIG = "store.cfg"
MAX_FILE_BYTES = 8 * 1024 * 1024
_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)


@dataclass(frozen=True)
class Trust:
    """The loaded lists, as text for the C2PA library."""

    anchors: str = ""  # PEM: the C2PA list, the interim anchors and the user's own
    allowed: str = ""  # PEM: end-entity certificates accepted as they are
    config: str = ""  # accepted certificate uses (EKU OIDs), store.cfg's format
    tsa: str = ""  # PEM: time-stamp authorities
    files: tuple[str, ...] = ()  # the files loaded, for people

    @property
    def installed(self) -> bool:
        """Whether any signer can be recognised at all."""
        return bool(self.anchors.strip() or self.allowed.strip())

    def settings(self) -> dict:
        """The c2pa-rs ``trust`` settings (empty when nothing is installed)."""
        if not self.installed:
            return {}
        trust: dict = {"trust_anchors": self.anchors, "allowed_list": self.allowed}
        if self.config.strip():
            trust["trust_config"] = self.config
        if self.tsa.strip():
            trust["anchors"] = [
                {"trust_anchors": self.tsa, "trust_kind": "tsa", "trust_uri": TSA_LIST}
            ]
        return {key: value for key, value in trust.items() if value}


NO_TRUST = Trust()


def trust_dir(path: str | os.PathLike | None = None) -> Path | None:
    """The trust folder: ``path`` when given, else ``$AIORHUMAN_TRUST_DIR``, else None."""
    value = path if path is not None else os.environ.get(TRUST_DIR_ENV)
    return Path(value).expanduser() if value else None


def _text(path: Path) -> str:
    """A list file's text; ``ValueError`` when too big or a PEM certificate is malformed."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path.name} is over {MAX_FILE_BYTES} bytes")
    text = path.read_text("utf-8", "replace")
    for block in _PEM_BLOCK.findall(text):
        try:
            base64.b64decode("".join(block.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{path.name}: a malformed certificate") from None
    return text


def load_trust(folder: str | os.PathLike | None) -> Trust:
    """The lists in ``folder`` (NO_TRUST when it is None or holds none).

    Raises ``OSError`` or ``ValueError`` for a folder that exists but cannot be read.
    """
    if folder is None or not Path(folder).is_dir():
        return NO_TRUST
    folder = Path(folder)
    named = {C2PA_LIST, TSA_LIST, INTERIM_ANCHORS, INTERIM_ALLOWED, INTERIM_CONFIG}
    own = sorted(p.name for p in folder.glob("*.pem") if p.name not in named)
    anchor_files = [n for n in (C2PA_LIST, INTERIM_ANCHORS, *own) if (folder / n).is_file()]
    read = {n: _text(folder / n) for n in named if (folder / n).is_file()}
    anchors = "\n".join(read.get(n) or _text(folder / n) for n in anchor_files)
    return Trust(
        anchors=anchors,
        allowed=read.get(INTERIM_ALLOWED, ""),
        config=read.get(INTERIM_CONFIG, ""),
        tsa=read.get(TSA_LIST, ""),
        files=tuple(sorted(set(anchor_files) | set(read))),
    )


_cache: dict[tuple, Trust] = {}


def _fingerprint(folder: Path) -> tuple:
    """What changes when the folder's lists change: names, sizes, modification times."""
    if not folder.is_dir():
        return (str(folder),)
    files = sorted(p for p in folder.iterdir() if p.suffix in (".pem", ".cfg"))
    return (str(folder), *((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files))


def current_trust(folder: str | os.PathLike | None = None) -> Trust:
    """The lists of ``trust_dir(folder)``, read again only when its files change."""
    path = trust_dir(folder)
    if path is None:
        return NO_TRUST
    key = _fingerprint(path)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_trust(path)
    return _cache[key]
