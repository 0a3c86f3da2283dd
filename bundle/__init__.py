"""Read and use a model bundle (``docs/bundle.md``) with TensorFlow alone."""

from aiorhuman.bundle.card import CARD_VERSION, BundleError, read_card, verdict, verify_files
from aiorhuman.bundle.model import Bundle, load_bundle

__all__ = [
    "CARD_VERSION",
    "Bundle",
    "BundleError",
    "load_bundle",
    "read_card",
    "verdict",
    "verify_files",
]
