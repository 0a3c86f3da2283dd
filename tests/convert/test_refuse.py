"""Bad bundles are refused with a clear error by the Python loader, the JS loader and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aiorhuman.bundle import BundleError, load_bundle
from aiorhuman.convert.cli import main
from aiorhuman.convert.jsparity import JsParityError, run_tfjs


def _shard(bundle_dir):
    return next(p for p in sorted((bundle_dir / "tfjs").iterdir()) if p.suffix == ".bin")


def _break(bundle_dir, how: str) -> None:
    if how == "missing file":
        _shard(bundle_dir).unlink()
    elif how == "wrong hash":
        with _shard(bundle_dir).open("r+b") as f:
            first = f.read(1)
            f.seek(0)
            f.write(bytes([first[0] ^ 0xFF]))
    else:
        card = json.loads((bundle_dir / "card.json").read_text())
        card["card_version"] = 2
        (bundle_dir / "card.json").write_text(json.dumps(card))


CASES = {
    "missing file": "missing file tfjs/",
    "wrong hash": "is corrupted",
    "unknown card version": "card_version 2 is not supported",
}


@pytest.mark.parametrize("how", CASES)
def test_python_loader_refuses(bundle_copy, how):
    _break(bundle_copy, how)
    with pytest.raises(BundleError, match=CASES[how]):
        load_bundle(bundle_copy)


@pytest.mark.parametrize("how", CASES)
def test_js_loader_refuses(bundle_copy, how):
    _break(bundle_copy, how)
    pixels = np.zeros((1, 32, 32, 3), np.float32)
    with pytest.raises(JsParityError, match=CASES[how].split(" tfjs/")[0]):
        run_tfjs(bundle_copy, pixels, ("node-wasm",), timeout=60)


def test_cli_verify_refuses_with_a_message(bundle_copy):
    _break(bundle_copy, "wrong hash")
    with pytest.raises(SystemExit, match=r"error: .*is corrupted"):
        main(["--verify", str(bundle_copy)])


def test_python_loader_refuses_a_folder_without_card(tmp_path):
    with pytest.raises(BundleError, match=r"no card\.json"):
        load_bundle(tmp_path)


def test_cli_verify_refuses_an_image_folder_without_images(bundle_copy, tmp_path):
    with pytest.raises(SystemExit, match=r"error: no images in .*empty"):
        main(["--verify", str(bundle_copy), "--images", str(tmp_path / "empty")])
