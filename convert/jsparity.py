"""Run a TF.js graph model in Node (wasm) and headless Chromium (wasm, webgl) via convert/js."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import numpy as np

JS_DIR = Path(__file__).parent / "js"
BACKENDS = ("node-wasm", "chromium-wasm", "chromium-webgl")


class JsParityError(Exception):
    """The Node runner could not run at all (not a per-backend failure)."""


def run_tfjs(
    bundle_dir: Path, pixels: np.ndarray, backends: tuple[str, ...] = BACKENDS, timeout: float = 600
) -> dict[str, dict]:
    """Score ``pixels`` with the bundle's TF.js model on each backend.

    Returns ``{backend: {"probabilities": [...], "ms": ...}}`` or ``{backend: {"error": ...}}``.
    """
    node = shutil.which("node")
    if node is None:
        raise JsParityError("node is not installed (needed to check the TF.js model)")
    if not (JS_DIR / "node_modules").is_dir():
        raise JsParityError(f"run `npm ci` in {JS_DIR} first (TF.js packages are missing)")
    with tempfile.TemporaryDirectory(prefix="aiorhuman-pixels-") as tmp:
        pixels_file = Path(tmp) / "pixels.bin"
        np.ascontiguousarray(pixels, dtype="<f4").tofile(pixels_file)
        command = [
            node,
            str(JS_DIR / "parity.mjs"),
            "--bundle",
            str(Path(bundle_dir).resolve()),
            "--pixels",
            str(pixels_file),
            "--shape",
            ",".join(str(d) for d in pixels.shape),
            "--backends",
            ",".join(backends),
        ]
        stdout, stderr, code = _run_in_own_group(command, timeout)
    if code != 0:
        raise JsParityError(f"the TF.js runner failed: {stderr.strip()[-2000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def _run_in_own_group(command: list[str], timeout: float) -> tuple[str, str, int]:
    """Run with a deadline; on timeout kill the runner and the browser it started."""
    process = subprocess.Popen(
        command,
        cwd=JS_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise JsParityError(f"the TF.js runner took longer than {timeout:.0f} s") from exc
    return stdout, stderr, process.returncode
