"""``aiorhuman-convert --verify``: the bundle gives the same answers everywhere it runs.

Checks, on real images: the run's Keras model vs the SavedModel pixel signature; the
SavedModel vs the TF.js model in Node (wasm) and headless Chromium (wasm, webgl); the
SavedModel bytes signature vs our Python preprocessing (and Pillow) on every image format.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from aiorhuman.bundle import load_bundle
from aiorhuman.bundle.model import Bundle
from aiorhuman.bundle.preprocess import preprocess_bytes, resize_and_crop
from aiorhuman.convert.jsparity import BACKENDS, run_tfjs
from aiorhuman.convert.samples import default_variants, reference_decode, skimage_samples

# Largest |probability difference| allowed between the SavedModel and TF.js, per quantization
# of the TF.js weights (justified in docs/convert.md from measured figures).
TFJS_TOLERANCES = {"none": 1e-4, "float16": 1e-2, "uint8": 6e-2}
# Same weights, same graph, float32 on the same CPU: only summation order may differ.
KERAS_TOLERANCE = 1e-5
BYTES_TOLERANCE = 1e-5
# Mean |pixel difference| (0..255) between our decode and Pillow's: decoders may round apart.
PILLOW_PIXEL_TOLERANCE = 0.5


@dataclass
class Check:
    """One comparison: its largest difference against its tolerance, an error, or why it was
    skipped (a skipped check does not fail the report)."""

    name: str
    max_diff: float | None
    tolerance: float
    note: str = ""
    error: str | None = None
    skipped: str | None = None

    @property
    def passed(self) -> bool:
        if self.skipped:
            return True
        return self.error is None and self.max_diff is not None and self.max_diff <= self.tolerance


@dataclass
class Report:
    """All checks of one bundle."""

    bundle: str
    quantization: str
    images: int
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def as_text(self) -> str:
        lines = [
            f"bundle {self.bundle} (TF.js {self.quantization}), {self.images} images",
            f"{'check':34} {'max |dp|':>10} {'tolerance':>10}  result",
        ]
        for c in self.checks:
            diff = "-" if c.max_diff is None else f"{c.max_diff:.2e}"
            result = "skipped" if c.skipped else "ok" if c.passed else "FAIL"
            detail = c.skipped or c.error or c.note
            lines.append(
                f"{c.name:34} {diff:>10} {c.tolerance:>10.0e}  {result}  {detail}".rstrip()
            )
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)

    def as_json(self) -> dict:
        checks = [{**asdict(c), "passed": c.passed} for c in self.checks]
        return {**asdict(self), "checks": checks, "passed": self.passed}


def verify_bundle(
    bundle_dir: Path,
    run_dir: Path | None = None,
    images: dict[str, bytes] | None = None,
    backends: tuple[str, ...] = BACKENDS,
    timeout: float = 600,
) -> Report:
    """Run every check on ``bundle_dir``; ``images`` default to scikit-image's sample photos."""
    bundle = load_bundle(bundle_dir)
    quantization = bundle.card["tfjs"]["quantization"]
    images = images or skimage_samples() or default_variants()
    pixels = np.stack(
        [preprocess_bytes(tf.constant(d), bundle.input_size).numpy() for d in images.values()]
    )
    expected = bundle.predict_pixels(pixels)
    checks = [keras_check(bundle, pixels, expected, run_dir)]
    checks += tfjs_checks(bundle, pixels, expected, backends, timeout)
    checks += bytes_checks(bundle, default_variants())
    return Report(str(bundle_dir), quantization, len(images), checks)


def keras_check(
    bundle: Bundle, pixels: np.ndarray, expected: np.ndarray, run_dir: Path | None
) -> Check:
    """The run's Keras model vs the SavedModel; skipped when no run is given."""
    name = "keras vs saved_model"
    if run_dir is None:
        run = bundle.card.get("run", {}).get("name", "the training run")
        skipped = f"needs {run} (--run RUN)"
        return Check(name, None, KERAS_TOLERANCE, skipped=skipped)
    if not (run_dir / "config.json").is_file():
        return Check(name, None, KERAS_TOLERANCE, error=f"{run_dir}: not a run directory")
    from aiorhuman.training.runs import load_run

    keras_probs = load_run(run_dir).model(pixels, training=False).numpy().reshape(-1)
    return Check(name, float(np.abs(keras_probs - expected).max()), KERAS_TOLERANCE)


def tfjs_checks(
    bundle: Bundle,
    pixels: np.ndarray,
    expected: np.ndarray,
    backends: tuple[str, ...],
    timeout: float,
) -> list[Check]:
    """The SavedModel vs the TF.js model on each backend."""
    tolerance = TFJS_TOLERANCES[bundle.card["tfjs"]["quantization"]]
    results = run_tfjs(bundle.path, pixels, backends, timeout)
    checks = []
    for backend in backends:
        result = results.get(backend, {"error": "no result"})
        name = f"saved_model vs {backend}"
        if "error" in result:
            checks.append(Check(name, None, tolerance, error=result["error"]))
            continue
        got = np.asarray(result["probabilities"], np.float32)
        diff = float(np.abs(got - expected).max()) if got.shape == expected.shape else None
        error = None if diff is not None else f"got {got.shape[0]} outputs for {expected.shape[0]}"
        checks.append(Check(name, diff, tolerance, note=f"{result['ms']:.0f} ms", error=error))
    return checks


def bytes_checks(bundle: Bundle, variants: dict[str, bytes]) -> list[Check]:
    """The bytes signature vs Python preprocessing + pixel signature, per image format."""
    checks = []
    for name, data in variants.items():
        label = f"bytes: {name}"
        try:
            pixels = preprocess_bytes(tf.constant(data), bundle.input_size).numpy()
        except tf.errors.InvalidArgumentError:
            pixels = None
        try:
            got = bundle.predict_bytes([data])
        except tf.errors.InvalidArgumentError as exc:
            message = _assertion_message(exc)
            ok = pixels is None
            note = f"refused by both: {message}" if ok else None
            error = None if ok else f"SavedModel refused what Python decodes: {message}"
            checks.append(Check(label, 0.0 if ok else None, BYTES_TOLERANCE, note or "", error))
            continue
        if pixels is None:
            checks.append(
                Check(label, None, BYTES_TOLERANCE, error="Python refused, SavedModel did not")
            )
            continue
        want = bundle.predict_pixels(pixels[None])
        pillow = resize_and_crop(tf.constant(reference_decode(data)), bundle.input_size).numpy()
        pixel_diff = float(np.abs(pillow - pixels).mean())
        error = None
        if pixel_diff > PILLOW_PIXEL_TOLERANCE:
            error = f"decode differs from Pillow by {pixel_diff:.2f} per pixel"
        note = f"pixels vs Pillow {pixel_diff:.2f}"
        checks.append(Check(label, float(np.abs(got - want).max()), BYTES_TOLERANCE, note, error))
    return checks


def _assertion_message(exc: tf.errors.OpError) -> str:
    """The message of the failed graph assertion, not TensorFlow's wrapper text."""
    found = re.search(r"\[([^\]]*not a supported image[^\]]*)\]", exc.message)
    return found.group(1).strip() if found else exc.message.splitlines()[0]


def write_report(report: Report, path: Path) -> None:
    """Save the report as JSON."""
    path.write_text(json.dumps(report.as_json(), indent=2) + "\n")
