"""Small text helpers shared by the readers (kept simple so the JavaScript reader matches)."""

from __future__ import annotations

import re

MAX_DETAIL = 200
_SPACES = re.compile(r"\s+")


def clip(text: str, limit: int = MAX_DETAIL) -> str:
    """Whitespace collapsed to single spaces, trimmed, at most ``limit`` code points
    (longer text keeps ``limit - 1`` and ends with an ellipsis)."""
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def short_type(uri: str) -> str:
    """The last path segment of a digital source type URI."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")
CAMERA_SOURCE_TYPES = ("digitalCapture", "computationalCapture")


def is_ai_type(uri: str) -> bool:
    """True for IPTC trainedAlgorithmicMedia or compositeWithTrainedAlgorithmicMedia."""
    return short_type(uri) in AI_SOURCE_TYPES


def is_camera_type(uri: str) -> bool:
    return short_type(uri) in CAMERA_SOURCE_TYPES
