"""The Python reader on public files this project did not make, against the official library.

Needs ``../shared/fixtures/provenance-public`` (CI has it beside the project); skipped, saying
so, where it is absent.
"""

from __future__ import annotations

import pytest

from aiorhuman.provenance import NO_TRUST, final_verdict, load_trust, read_provenance
from tests.provenance.public import KNOWN, PUBLIC, differences, references

pytestmark = pytest.mark.skipif(
    not (PUBLIC / "reference.jsonl").is_file(),
    reason=f"public provenance fixtures not found at {PUBLIC} (set AIORHUMAN_PUBLIC_FIXTURES)",
)
TRUSTED = {  # with the Verify site's lists, as reference.jsonl's notes say
    "ms/DALL-E_cloud_surfing_puppy.webp",
    "ms/bing_creator_cloud_surfing_puppy.jpg",
    "rs/ocsp.jpg",
}
# Invalid without lists only because their certificate's use (EKU) is not one the library
# accepts by default; the Verify site's store.cfg accepts it: valid, signer not recognised.
EKU_ONLY = {"ms/cards_trusted.avif", "ms/cards_trusted.svg", "ms/cards_trusted.webp"}


def _refs() -> list[dict]:
    return references() if (PUBLIC / "reference.jsonl").is_file() else []


def read(name: str, trust=NO_TRUST) -> dict:
    return read_provenance((PUBLIC / name).read_bytes(), trust=trust)


@pytest.fixture(scope="module")
def public_trust():
    return load_trust(PUBLIC / "trust")


@pytest.mark.parametrize("ref", _refs(), ids=lambda r: r["file"])
def test_agrees_with_the_official_library(ref):
    why = differences(ref, read(ref["file"]))
    if ref["file"] in KNOWN:
        assert why, f"{ref['file']} now agrees: remove it from KNOWN and docs/provenance.md"
    else:
        assert why == []


def test_the_known_difference_tiff_poc():
    """The library fails to parse this TIFF; it holds no C2PA marker, so the reader never
    hands it to the library and reports nothing."""
    assert read("rs/tiff_poc.tiff") == {
        "decision": None,
        "reason": None,
        "signals": [],
        "errors": [],
    }


def test_an_unreadable_active_manifest_is_reported_not_dropped():
    (signal,) = read("rs_ident/malformed_cbor.jpg")["signals"]
    assert (signal["c2pa"]["valid"], signal["c2pa"]["trust"]) == (False, "invalid")
    assert "assertion.required.missing" in signal["c2pa"]["validation_errors"]
    assert "active manifest unreadable" in signal["c2pa"]["validation_errors"]


def test_trust_only_cawg_codes_are_not_failures():
    for name in ("rs/C_with_CAWG_data.jpg", "rs_ident/no_hard_binding.jpg"):
        c2pa = read(name)["signals"][0]["c2pa"]
        assert c2pa["valid"] and c2pa["trust"] == "untrusted"
        assert "cawg.x509.credential.untrusted" not in c2pa["validation_errors"]
    assert read("rs_ident/no_hard_binding.jpg")["signals"][0]["c2pa"]["validation_errors"] == [
        "cawg.identity.hard_binding_missing"
    ]


def test_svg_manifests_are_read():
    (signal,) = read("ms/cards_trusted.svg")["signals"]
    assert signal["c2pa"]["claim_generator"].startswith("Test Signer")


@pytest.mark.parametrize("trusted_lists", [False, True])
def test_no_untrusted_or_invalid_manifest_decides(public_trust, trusted_lists):
    """Test-signed AI files (the SDK's published test key) and tampered AI files never make
    the verdict, with or without trust lists; only recognised signers do."""
    trust = public_trust if trusted_lists else NO_TRUST
    decided = set()
    for ref in _refs():
        result = read(ref["file"], trust)
        for signal in (s for s in result["signals"] if s["kind"] == "c2pa"):
            recognised = trusted_lists and ref["file"] in TRUSTED
            invalid = ref["state"] == "Invalid" and not (trusted_lists and ref["file"] in EKU_ONLY)
            expected = "trusted" if recognised else "invalid" if invalid else "untrusted"
            assert signal["c2pa"]["trust"] == expected, ref["file"]
            assert signal["decisive"] == (recognised and signal["indicates"] == "ai")
            if signal["decisive"]:
                decided.add(ref["file"])
                assert final_verdict("human", result) == ("ai", "metadata")
        if ref["file"].startswith("derived/"):
            assert final_verdict("human", result) == ("human", "model"), ref["file"]
    assert decided == (
        {"ms/DALL-E_cloud_surfing_puppy.webp", "rs/ocsp.jpg"} if trusted_lists else set()
    )


def test_untrusted_ai_claims_are_shown_as_claims():
    (signal,) = read("derived/signed_ai.jpg")["signals"]
    assert signal["indicates"] == "ai" and not signal["decisive"]
    assert signal["detail"] == (
        "digitalSourceType trainedAlgorithmicMedia, claim generator 'prov-check-test'; claims "
        "AI-generated; signer 'C2PA Test Signing Cert' not recognised (no trust list installed)"
    )


def test_the_real_dalle_file_decides_with_the_lists(public_trust):
    result = read("ms/DALL-E_cloud_surfing_puppy.webp", public_trust)
    (signal,) = result["signals"]
    assert result["decision"] == "ai" and signal["source"] == "C2PA manifest (ingredient)"
    assert signal["c2pa"]["signer"] == "OpenAI" and signal["c2pa"]["validation_errors"] == []
    assert signal["detail"].endswith("; signer 'OpenAI' recognised")


def test_generators_in_public_pngs():
    generators = {
        name: [s.get("generator") for s in read(name)["signals"]]
        for name in (
            "sdp/automatic1111_cropped.png",
            "sdp/automatic1111_stealth.png",
            "sdp/fooocus1_cropped.png",
            "sdp/invokeai_dream1.png",
            "sdp/novelai1_cropped.png",
            "comfy/depth_t2i_adapter.png",
        )
    }
    assert generators == {
        "sdp/automatic1111_cropped.png": ["Stable Diffusion web UI"],
        "sdp/automatic1111_stealth.png": ["Stable Diffusion web UI"],
        "sdp/fooocus1_cropped.png": ["Fooocus"],
        "sdp/invokeai_dream1.png": ["InvokeAI"],
        "sdp/novelai1_cropped.png": ["NovelAI", "NovelAI"],
        "comfy/depth_t2i_adapter.png": ["ComfyUI", "ComfyUI"],
    }
