"""The provenance reader on real files made by the libraries' own writers."""

from __future__ import annotations

import http.server
import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiorhuman.provenance import Limits, final_verdict, read_provenance
from aiorhuman.provenance.text import clip
from aiorhuman.server.openapi import SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
# (file, decisive, kinds of signals in order)
CASES = [
    ("plain.jpg", False, []),
    ("plain.png", False, []),
    ("c2pa_ai.jpg", True, ["c2pa"]),
    ("c2pa_composite.png", True, ["c2pa"]),
    ("c2pa_ai_ingredient.jpg", True, ["c2pa"]),
    ("c2pa_camera.jpg", False, ["c2pa", "camera"]),
    ("c2pa_ai_tampered.jpg", False, ["c2pa"]),
    ("c2pa_ai_ingredient_tampered.jpg", False, ["c2pa"]),
    ("c2pa_corrupt_manifest.jpg", False, []),
    ("png_sd_webui.png", True, ["png-text"]),
    ("png_comfyui.png", True, ["png-text", "png-text"]),
    ("png_invokeai.png", True, ["png-text"]),
    ("png_invokeai_dream.png", True, ["png-text"]),
    ("png_novelai.png", True, ["png-text", "png-text"]),
    ("png_benign_text.png", False, []),
    ("jpeg_exif_camera.jpg", False, ["camera"]),
    ("jpeg_exif_software.jpg", True, ["exif-generator"]),
    ("jpeg_exif_usercomment.jpg", True, ["exif-generator"]),
    ("jpeg_xmp_ai.jpg", True, ["xmp"]),
    ("jpeg_xmp_composite_element.jpg", True, ["xmp"]),
    ("jpeg_xmp_camera.jpg", False, ["xmp", "camera"]),
    ("webp_exif_xmp.webp", True, ["xmp", "exif-generator"]),
    ("jpeg_exif_malformed.jpg", False, []),
    ("jpeg_truncated_segment.jpg", False, []),
    ("png_text_malformed.png", False, []),
    ("png_text_bomb.png", False, []),
    ("png_xmp_oversized.png", False, []),
]
WITH_ERRORS = {
    "c2pa_corrupt_manifest.jpg",
    "jpeg_exif_malformed.jpg",
    "jpeg_truncated_segment.jpg",
    "png_text_malformed.png",
    "png_text_bomb.png",
    "png_xmp_oversized.png",
}


def provenance_schema() -> dict:
    return {**SCHEMAS["Provenance"], "components": {"schemas": SCHEMAS}}


def test_every_fixture_is_covered(expected):
    assert sorted(expected) == sorted(name for name, _, _ in CASES)


@pytest.mark.parametrize(("name", "decisive", "kinds"), CASES)
def test_signals(fixture_dir, fixture_trust, expected, name, decisive, kinds):
    result = read_provenance((fixture_dir / name).read_bytes(), trust=fixture_trust)
    assert result == expected[name]  # expected.json is what the reader says, run after run
    assert [s["kind"] for s in result["signals"]] == kinds
    assert result["decision"] == ("ai" if decisive else None)
    assert result["reason"] == ("metadata" if decisive else None)
    assert bool(result["errors"]) == (name in WITH_ERRORS), result["errors"]
    jsonschema.validate(result, provenance_schema())
    for signal in result["signals"]:
        assert len(signal["detail"]) <= 200
        assert signal["decisive"] == (signal["indicates"] == "ai" and signal["decisive"])


def test_c2pa_details(expected):
    ai = expected["c2pa_ai.jpg"]["signals"][0]
    assert ai["c2pa"] == {
        "valid": True,
        "trust": "trusted",  # the test CA is in the trust folder, as the user's own anchor
        "trusted": True,
        "signer": "AI or Human tests",
        "validation_errors": [],
        "claim_generator": "Test AI generator",
        "digital_source_types": [IPTC + "trainedAlgorithmicMedia"],
        "in_ingredient": False,
    }
    ingredient = expected["c2pa_ai_ingredient.jpg"]["signals"][0]
    assert ingredient["source"] == "C2PA manifest (ingredient)"
    assert ingredient["c2pa"]["in_ingredient"] and ingredient["c2pa"]["claim_generator"] == (
        "Test editor"
    )
    camera = expected["c2pa_camera.jpg"]["signals"][0]
    assert camera["indicates"] == "camera" and camera["c2pa"]["valid"]
    assert ai["detail"].endswith("; signer 'AI or Human tests' recognised")


def test_without_a_trust_list_no_manifest_decides(expected_no_trust):
    """The same files, no trust list: valid AI claims are shown, as claims, and never decide."""
    for name in ("c2pa_ai.jpg", "c2pa_composite.png", "c2pa_ai_ingredient.jpg"):
        (signal,) = expected_no_trust[name]["signals"]
        assert expected_no_trust[name]["decision"] is None
        assert signal["indicates"] == "ai" and not signal["decisive"]
        assert (signal["c2pa"]["valid"], signal["c2pa"]["trust"]) == (True, "untrusted")
        assert signal["detail"].endswith(
            "; claims AI-generated; signer 'AI or Human tests' not recognised"
            " (no trust list installed)"
        )
    camera = expected_no_trust["c2pa_camera.jpg"]["signals"][0]
    assert camera["detail"].endswith(
        "; signer 'AI or Human tests' not recognised (no trust list installed)"
    )


@pytest.mark.parametrize("name", ["c2pa_ai_tampered.jpg", "c2pa_ai_ingredient_tampered.jpg"])
def test_tampered_manifests_are_reported_and_do_not_decide(expected, name):
    (signal,) = expected[name]["signals"]
    assert signal["indicates"] == "ai" and not signal["decisive"]
    assert (signal["c2pa"]["valid"], signal["c2pa"]["trust"]) == (False, "invalid")
    assert "assertion.dataHash.mismatch" in signal["c2pa"]["validation_errors"]


def test_generators_and_camera(expected):
    generators = {
        name: [s.get("generator") for s in expected[name]["signals"]]
        for name in ("png_sd_webui.png", "png_comfyui.png", "png_invokeai.png", "png_novelai.png")
    }
    assert generators == {
        "png_sd_webui.png": ["Stable Diffusion web UI"],
        "png_comfyui.png": ["ComfyUI", "ComfyUI"],
        "png_invokeai.png": ["InvokeAI"],
        "png_novelai.png": ["NovelAI", "NovelAI"],
    }
    assert expected["jpeg_exif_software.jpg"]["signals"][0]["generator"] == "Midjourney"
    assert expected["webp_exif_xmp.webp"]["signals"][1]["generator"] == "DALL-E"
    (camera,) = expected["jpeg_exif_camera.jpg"]["signals"]
    assert camera["camera"] == {
        "make": "Canon",
        "model": "Canon EOS R6",
        "lens": "RF50mm F1.8 STM",
        "exposure": "1/250 s",
        "f_number": "f/2.8",
        "iso": "400",
        "focal_length": "50 mm",
        "datetime": "2024:05:01 10:00:00",
    }
    assert not camera["decisive"]


def test_final_verdict():
    ai = {"decision": "ai"}
    assert final_verdict("human", ai) == ("ai", "metadata")
    assert final_verdict("unsure", {"decision": None}) == ("unsure", "model")
    assert final_verdict("human", None) == ("human", "model")


def test_size_limits_are_errors(fixture_dir):
    data = (fixture_dir / "c2pa_ai.jpg").read_bytes()
    small = Limits(max_scan_bytes=len(data) // 2, max_c2pa_bytes=len(data) // 2)
    result = read_provenance(data, small)
    assert result["decision"] is None
    assert any("size limit" in e for e in result["errors"])
    unvalidated = read_provenance(data, Limits(max_c2pa_bytes=100))
    assert unvalidated["signals"] == [] and "C2PA" in unvalidated["errors"][0]


def test_time_limit_is_an_error_not_a_hang(fixture_dir):
    """A zero budget: the reader stops and says so (the limit logic, not a stopwatch)."""
    for name in ("c2pa_ai.jpg", "png_sd_webui.png"):
        result = read_provenance((fixture_dir / name).read_bytes(), Limits(max_seconds=0))
        assert result["decision"] is None or name != "c2pa_ai.jpg"
        assert any("time limit" in e for e in result["errors"]), result["errors"]


def test_detail_is_clipped():
    assert clip("a  b\n c") == "a b c"
    assert len(clip("x" * 500)) == 200 and clip("x" * 500).endswith("\u2026")


def test_the_script_writes_fixtures_and_expected_json(tmp_path):
    script = ROOT / "tests" / "provenance" / "make_fixtures.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, cwd=tmp_path)
    expected = json.loads((tmp_path / "expected.json").read_text())
    untrusted = json.loads((tmp_path / "expected-no-trust.json").read_text())
    made = {"expected.json", "expected-no-trust.json", "trust"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in made) == sorted(expected)
    assert sorted(untrusted) == sorted(expected)
    assert [p.name for p in (tmp_path / "trust").iterdir()] == ["test-ca.pem"]


def test_remote_manifests_are_never_fetched():
    """c2pa-python fetches a remote manifest by default; the reader turns that off."""
    import c2pa

    from tests.provenance.make_fixtures import actions, jpeg, make_signer

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        builder = c2pa.Builder(
            {
                "claim_generator_info": [{"name": "remote"}],
                "assertions": [actions({"action": "c2pa.created", "digitalSourceType": IPTC})],
            }
        )
        builder.set_no_embed()
        builder.set_remote_url(f"http://127.0.0.1:{server.server_port}/manifest.c2pa")
        out = io.BytesIO()
        builder.sign(make_signer()[0], "image/jpeg", io.BytesIO(jpeg()), out)
        result = read_provenance(out.getvalue())
    finally:
        server.shutdown()
    assert hits == []
    assert result["decision"] is None and any("C2PA" in e for e in result["errors"])


def _mutations() -> st.SearchStrategy[bytes]:
    from tests.provenance.make_fixtures import fixtures

    originals = [data for data in fixtures().values() if len(data) < 100_000]

    @st.composite
    def mutated(draw) -> bytes:
        data = bytearray(draw(st.sampled_from(originals)))
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            data[at] = draw(st.integers(0, 255))
        cut = draw(st.integers(8, len(data)))
        return bytes(data[:cut])

    return mutated()


_SEEDS = [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBP"]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        st.binary(max_size=2048),
        st.builds(lambda h, t: h + t, st.sampled_from(_SEEDS), st.binary(max_size=512)),
        _mutations(),
    )
)
def test_fuzz_never_raises(data):
    result = read_provenance(data)
    jsonschema.validate(result, provenance_schema())
    assert not any("reader failed" in e for e in result["errors"]), result["errors"]
