"""C2PA manifests (Content Credentials), read and validated offline with c2pa-python.

The library would fetch a manifest that a file only points to (``remote_manifest_fetch``)
and may check certificate status online (``ocsp_fetch``); both are turned off, so validation
never touches the network. Signers are checked against the trust lists of ``trust.py``:
``trust`` is ``trusted`` only when the library reports the ``Trusted`` state and no manifest
in the store has an unrecognised signer.
"""

from __future__ import annotations

import io
import json
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from aiorhuman.provenance.text import clip, is_ai_type, is_camera_type, short_type
from aiorhuman.provenance.trust import NO_TRUST, Trust

OFFLINE_SETTINGS = {
    "verify": {
        "remote_manifest_fetch": False,
        "ocsp_fetch": False,
        "verify_after_reading": True,
        "verify_trust": True,
    },
    "core": {"allowed_network_hosts": []},
}
# Failures that say only that a signer is not recognised: they set ``trust``, never ``valid``.
TRUST_CODES = (
    "signingCredential.untrusted",
    "timeStamp.untrusted",
    "cawg.x509.credential.untrusted",
)
UNTRUSTED_SIGNER = "signingCredential.untrusted"
# CAWG identity assertions (who is named in the manifest) are checked by the library too;
# their failures are listed, and invalidate only what the library itself calls invalid.
CAWG_PREFIX = "cawg."
MIME_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "avif": "image/avif",
    "tiff": "image/tiff",
    "svg": "image/svg+xml",
}
# Bytes that every embedded manifest store (JUMBF) or remote-manifest reference contains.
MARKERS = (b"jumb", b"c2pa", b"dcterms:provenance")
WORKERS = 2

_lock = threading.Lock()
_state: dict[str, object] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's validation threads (made after any fork)."""
    with _lock:
        if _state.get("pid") != os.getpid():
            _state.clear()
            _state.update(
                pid=os.getpid(), pool=ThreadPoolExecutor(WORKERS, thread_name_prefix="c2pa")
            )
        return _state["pool"]  # type: ignore[return-value]


def _context(trust: Trust) -> object:
    """An offline c2pa Context with ``trust``'s lists (kept for the last trust seen)."""
    _pool()
    with _lock:
        if _state.get("trust") != trust:
            import c2pa

            settings = {
                **OFFLINE_SETTINGS,
                **({"trust": trust.settings()} if trust.installed else {}),
            }
            _state.update(trust=trust, context=c2pa.Context(c2pa.Settings.from_dict(settings)))
        return _state["context"]


def has_marker(data: bytes) -> bool:
    """Whether the bytes may hold a C2PA manifest (cheap test before the library runs)."""
    return any(marker in data for marker in MARKERS)


def read_store(data: bytes, container: str | None, trust: Trust = NO_TRUST) -> dict | None:
    """The manifest store as the library's JSON (validated against ``trust``), or None when
    there is none.

    Raises ``c2pa.C2paError`` (or another exception) when a store is present but unreadable.
    """
    import c2pa

    context = _context(trust)
    reader = c2pa.Reader.try_create(
        MIME_TYPES.get(container or ""), io.BytesIO(data), None, context
    )
    if reader is None:
        return None
    with reader:
        return json.loads(reader.json())


def read_store_within(
    data: bytes, container: str | None, seconds: float, trust: Trust = NO_TRUST
) -> dict | None:
    """``read_store`` on a validation thread; ``TimeoutError`` after ``seconds``.

    The native call cannot be interrupted: on time-out it finishes in the background, and
    later reads queue behind it (at most ``WORKERS`` run at once).
    """
    future: Future = _pool().submit(read_store, data, container, trust)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        future.cancel()
        raise TimeoutError from None


def _actions_source_types(manifest: dict) -> list[str]:
    types = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict):
            continue
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        data = assertion.get("data")
        actions = data.get("actions") if isinstance(data, dict) else None
        for action in actions if isinstance(actions, list) else []:
            value = action.get("digitalSourceType") if isinstance(action, dict) else None
            if isinstance(value, str) and value:
                types.append(value)
    return types


def _failures(results: object) -> list[str]:
    """Failure codes of a ``validation_results`` object (active manifest and deltas)."""
    codes: list[str] = []
    if not isinstance(results, dict):
        return codes
    active = results.get("activeManifest")
    if isinstance(active, dict):
        codes += [f.get("code", "") for f in active.get("failure") or [] if isinstance(f, dict)]
    for delta in results.get("ingredientDeltas") or []:
        deltas = delta.get("validationDeltas") if isinstance(delta, dict) else None
        if isinstance(deltas, dict):
            codes += [f.get("code", "") for f in deltas.get("failure") or [] if isinstance(f, dict)]
    return codes


def _claim_generator(manifest: dict) -> str | None:
    infos = manifest.get("claim_generator_info")
    if isinstance(infos, list) and infos and isinstance(infos[0], dict):
        name = infos[0].get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    legacy = manifest.get("claim_generator")
    return legacy.strip() if isinstance(legacy, str) and legacy.strip() else None


def _signer(manifest: dict) -> str | None:
    """Who the signing certificate names: its organisation, else its common name."""
    info = manifest.get("signature_info")
    for key in ("issuer", "common_name"):
        value = info.get(key) if isinstance(info, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def trust_words(trust: str, ai: bool, signer: str | None, installed: bool) -> str:
    """What ``detail`` says after the claim: ``; manifest invalid``, ``; claims AI-generated;
    signer 'X' not recognised (no trust list installed)``, ``; signer 'X' recognised``."""
    if trust == "invalid":
        return "; manifest invalid"
    who = f"signer '{signer}'" if signer else "signer"
    if trust == "trusted":
        return f"; {who} recognised"
    claim = "; claims AI-generated" if ai else ""
    return f"{claim}; {who} not recognised{'' if installed else ' (no trust list installed)'}"


def c2pa_signal(store: dict, trust_installed: bool = False) -> dict:
    """The contract's ``c2pa`` signal for a manifest store (the library's JSON).

    A store whose active manifest cannot be read still gives a signal: invalid, with the
    library's failure codes.
    """
    manifests = store.get("manifests") if isinstance(store.get("manifests"), dict) else {}
    active = manifests.get(store.get("active_manifest"))
    active = active if isinstance(active, dict) else {}
    # The library's validation now (active manifest, ingredient deltas); the ingredients'
    # recorded results (what the signer's tool saw) are added below.
    current = _failures(store.get("validation_results"))
    failures = list(current)
    # Walk the active manifest, then its ingredients' manifests, depth first, in order.
    types_active = _actions_source_types(active)
    types_ingredients: list[str] = []
    seen = {store.get("active_manifest")}
    stack = [active]
    while stack:
        manifest = stack.pop(0)
        children = []
        for ingredient in manifest.get("ingredients") or []:
            if not isinstance(ingredient, dict):
                continue
            failures += _failures(ingredient.get("validation_results"))
            label = ingredient.get("active_manifest")
            child = manifests.get(label) if isinstance(label, str) else None
            if isinstance(child, dict) and label not in seen:
                seen.add(label)
                types_ingredients += _actions_source_types(child)
                children.append(child)
        stack[:0] = children
    state = store.get("validation_state")
    errors = list(dict.fromkeys(c for c in failures if c and c not in TRUST_CODES))
    if not active:
        errors.append("active manifest unreadable")
    valid = state in ("Valid", "Trusted") and not any(not c.startswith(CAWG_PREFIX) for c in errors)
    if not valid and not errors:
        errors = [f"validation state {state}"]
    trust = (
        "invalid"
        if not valid
        else "trusted"
        if state == "Trusted" and UNTRUSTED_SIGNER not in current
        else "untrusted"
    )
    all_types = list(dict.fromkeys(types_active + types_ingredients))
    ai_types = [t for t in all_types if is_ai_type(t)]
    in_ingredient = bool(ai_types) and not any(is_ai_type(t) for t in types_active)
    generator = _claim_generator(active)
    signer = _signer(active)
    shown = ai_types[0] if ai_types else all_types[0] if all_types else None
    parts = []
    if shown:
        parts.append(f"digitalSourceType {short_type(shown)}")
    if generator:
        parts.append(f"claim generator '{generator}'")
    detail = (", ".join(parts) or "C2PA manifest") + trust_words(
        trust, bool(ai_types), signer, trust_installed
    )
    camera = any(is_camera_type(t) for t in all_types)
    return {
        "kind": "c2pa",
        "source": "C2PA manifest (ingredient)" if in_ingredient else "C2PA manifest",
        "indicates": "ai" if ai_types else "camera" if camera else "unknown",
        "decisive": trust == "trusted" and bool(ai_types),
        "detail": clip(detail),
        "c2pa": {
            "valid": valid,
            "trust": trust,
            "trusted": trust == "trusted",
            "signer": signer,
            "validation_errors": errors,
            "claim_generator": generator,
            "digital_source_types": all_types,
            "in_ingredient": in_ingredient,
        },
    }
