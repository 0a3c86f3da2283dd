"""Read every signal of a file and combine them into the contract's object."""

from __future__ import annotations

from aiorhuman.provenance import c2pa_reader
from aiorhuman.provenance.containers import find_blocks
from aiorhuman.provenance.exif import exif_signals, parse_tiff
from aiorhuman.provenance.limits import DEFAULT_LIMITS, Budget, Limits
from aiorhuman.provenance.png_text import png_text_signals
from aiorhuman.provenance.stealth import stealth_signal
from aiorhuman.provenance.trust import NO_TRUST, Trust, current_trust
from aiorhuman.provenance.xmp import xmp_signal


def empty() -> dict:
    """The object for a file with no provenance signals."""
    return {"decision": None, "reason": None, "signals": [], "errors": []}


def _c2pa(
    data: bytes, size: int, container: str | None, limits: Limits, budget: Budget, trust: Trust
):
    """(c2pa signal or None, errors)."""
    if not c2pa_reader.has_marker(data):
        return None, []
    if size > limits.max_c2pa_bytes:
        return None, ["C2PA: file over the size limit, manifest not validated"]
    if budget.expired():
        return None, ["C2PA: over the time limit, manifest not validated"]
    try:
        store = c2pa_reader.read_store_within(data, container, budget.remaining(), trust)
    except TimeoutError:
        return None, ["C2PA: over the time limit, manifest not validated"]
    except Exception as exc:  # the library's errors on untrusted bytes: reported, not raised
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, [f"C2PA: manifest unreadable ({text[:120]})"]
    if store is None:
        return None, []
    try:
        return c2pa_reader.c2pa_signal(store, trust.installed), []
    except Exception as exc:  # an unexpected shape of the library's JSON
        return None, [f"C2PA: manifest not understood ({type(exc).__name__})"]


def _trust(trust: Trust | None, errors: list[str]) -> Trust:
    """``trust``, else the lists of ``$AIORHUMAN_TRUST_DIR``; none when they cannot be read."""
    if trust is not None:
        return trust
    try:
        return current_trust()
    except (OSError, ValueError) as exc:
        errors.append(f"trust list unreadable ({type(exc).__name__}): no signer recognised")
        return NO_TRUST


def read_provenance(
    data: bytes, limits: Limits = DEFAULT_LIMITS, trust: Trust | None = None
) -> dict:
    """The provenance object of an encoded image (docs/provenance.md). Never raises.

    ``trust``: the signers to recognise (``trust.load_trust``); by default the lists in
    ``$AIORHUMAN_TRUST_DIR``, none when it is unset.
    """
    result = empty()
    try:
        _read(bytes(data), limits, _trust(trust, result["errors"]), result)
    except Exception as exc:  # a bug must not break scoring: say so and go on
        result["errors"].append(f"provenance reader failed ({type(exc).__name__})")
    result["decision"] = "ai" if any(s["decisive"] for s in result["signals"]) else None
    result["reason"] = "metadata" if result["decision"] else None
    return result


def _read(data: bytes, limits: Limits, trust: Trust, result: dict) -> None:
    budget = Budget(limits.max_seconds)
    errors: list[str] = result["errors"]
    size = len(data)
    if size > limits.max_scan_bytes:
        errors.append("file over the size limit: only its beginning was read")
        data = data[: limits.max_scan_bytes]
    blocks = find_blocks(data, limits, budget)
    c2pa_signal, c2pa_errors = _c2pa(data, size, blocks.format, limits, budget, trust)
    stealth, stealth_errors = stealth_signal(data, blocks, limits)
    generators: list[dict] = []
    camera = None
    for tiff in blocks.exif:
        try:
            tags, exif_errors = parse_tiff(tiff)
        except ValueError as exc:
            errors.append(f"EXIF: unreadable ({exc})")
            continue
        errors += exif_errors
        found, cam = exif_signals(tags)
        generators += found
        camera = camera or cam
    signals = [
        c2pa_signal,
        xmp_signal(blocks.xmp),
        *png_text_signals(blocks.png_text),
        stealth,
        *generators,
        camera,
    ]
    result["signals"] = [s for s in signals if s is not None]
    errors += blocks.errors + stealth_errors + c2pa_errors
    if budget.expired() and not any("time limit" in e for e in errors):
        errors.append("over the time limit: some metadata may not have been read")


def final_verdict(model_verdict: str | None, provenance: dict | None) -> tuple[str | None, str]:
    """(verdict, reason): ``("ai", "metadata")`` when the provenance decides, else the
    model's verdict with reason ``"model"``."""
    if provenance and provenance.get("decision") == "ai":
        return "ai", "metadata"
    return model_verdict, "model"
