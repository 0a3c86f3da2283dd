"""TF.js weight quantization choices and their converter settings."""

from __future__ import annotations

QUANTIZATIONS = ("float16", "uint8", "none")


def quantization_map(quantize: str) -> dict[str, str] | None:
    """The converter's ``quantization_dtype_map`` for one of ``QUANTIZATIONS``."""
    if quantize not in QUANTIZATIONS:
        choices = ", ".join(QUANTIZATIONS)
        raise ValueError(f"unknown quantization {quantize!r}; choose one of {choices}")
    return None if quantize == "none" else {quantize: "*"}
