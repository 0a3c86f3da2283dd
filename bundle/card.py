"""card.json: reading, checking and the verdict rule. No TensorFlow needed here."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

CARD_VERSION = 1
REQUIRED_KEYS = ("card_version", "name", "input_size", "threshold", "unsure_band", "files")


class BundleError(Exception):
    """A bundle that cannot be used: missing, corrupted or of an unknown version."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_card(bundle_dir: str | Path) -> dict:
    """Parse and sanity-check ``card.json`` of a bundle (does not hash the files)."""
    path = Path(bundle_dir) / "card.json"
    if not path.is_file():
        raise BundleError(f"{bundle_dir}: no card.json (is this a model bundle?)")
    try:
        card = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(card, dict):
        raise BundleError(f"{path}: expected a JSON object")
    missing = [key for key in REQUIRED_KEYS if key not in card]
    if missing:
        raise BundleError(f"{path}: missing keys {', '.join(missing)}")
    if card["card_version"] != CARD_VERSION:
        raise BundleError(
            f"{path}: card_version {card['card_version']!r} is not supported "
            f"(this version of aiorhuman reads version {CARD_VERSION})"
        )
    low, high = card["unsure_band"]
    if not 0.0 <= low <= high <= 1.0:
        raise BundleError(f"{path}: unsure_band {card['unsure_band']} is not 0 <= low <= high <= 1")
    return card


def verify_files(bundle_dir: str | Path, card: dict) -> None:
    """Check that every file listed in the card exists with its sha256."""
    root = Path(bundle_dir).resolve()
    for relative, expected in card["files"].items():
        path = (root / relative).resolve()
        if root not in path.parents:
            raise BundleError(f"{bundle_dir}: card lists a file outside the bundle: {relative}")
        if not path.is_file():
            raise BundleError(f"{bundle_dir}: missing file {relative}")
        actual = sha256_file(path)
        if actual != expected:
            raise BundleError(
                f"{bundle_dir}: {relative} is corrupted (sha256 {actual[:12]}…, "
                f"card says {expected[:12]}…)"
            )


def verdict(probability: float, unsure_band: tuple[float, float] | list[float]) -> str:
    """``ai``, ``human`` or ``unsure`` for a probability, by the card's band."""
    low, high = unsure_band
    if probability >= high:
        return "ai"
    if probability < low:
        return "human"
    return "unsure"
