"""Both backbones convert and give the same answers in Keras, TF, Node and Chromium."""

from __future__ import annotations

import pytest

from aiorhuman.convert.verify import verify_bundle

pytestmark = pytest.mark.slow


def _assert_passed(report) -> None:
    assert report.passed, report.as_text()
    names = {check.name for check in report.checks}
    for backend in ("node-wasm", "chromium-wasm", "chromium-webgl"):
        assert f"saved_model vs {backend}" in names
    for fmt in (
        "jpeg",
        "png",
        "webp",
        "gif (first frame)",
        "greyscale jpeg",
        "cmyk jpeg",
        "rgba png",
        "exif-rotated jpeg",
    ):
        assert f"bytes: {fmt}" in names


def test_efficientnet_lite0_float16_bundle_verifies(tiny_bundle, tiny_run):
    report = verify_bundle(tiny_bundle, run_dir=tiny_run, timeout=300)
    _assert_passed(report)


def test_resnet50v2_bundle_verifies_on_wasm_and_webgl(resnet_bundle, resnet_run):
    report = verify_bundle(resnet_bundle, run_dir=resnet_run, timeout=300)
    _assert_passed(report)
    tfjs = [c for c in report.checks if c.name.startswith("saved_model vs")]
    assert all(c.max_diff < 1e-4 for c in tfjs), report.as_text()


def test_a_bundle_without_its_run_verifies_what_it_can(tiny_bundle):
    report = verify_bundle(tiny_bundle, backends=("node-wasm",), timeout=300)
    assert report.passed, report.as_text()
    [keras] = [check for check in report.checks if check.name == "keras vs saved_model"]
    assert keras.skipped and "--run" in keras.skipped and keras.max_diff is None
    assert "skipped" in report.as_text()


def test_the_card_names_its_run_without_a_machine_path(tiny_bundle):
    import json

    card = json.loads((tiny_bundle / "card.json").read_text())
    assert set(card["run"]) == {"name"}
    assert "/" not in json.dumps(card["run"])
