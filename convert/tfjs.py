"""SavedModel pixel signature -> TF.js graph model (sharded), converted with our graph fixes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from aiorhuman.convert.quantization import quantization_map
from aiorhuman.convert.unfuse import safe_fusion, unsafe_fusions
from aiorhuman.quiet import quiet_native_logs

SHARD_BYTES = 4 * 1024 * 1024


class ConversionError(Exception):
    """The TF.js model could not be produced, or would compute wrong answers."""


def convert_to_tfjs(saved_model_dir: Path, out_dir: Path, signature: str, quantize: str) -> dict:
    """Convert one SavedModel signature; return ``{"input", "output"}`` node names."""
    # tensorflowjs imports tensorflow_decision_forests, whose welcome banner needs IPython
    # whenever stdout is not a terminal (pytest, pipes).
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    from tensorflowjs.converters import tf_saved_model_conversion_v2 as tfjs_converter

    with safe_fusion(), quiet_native_logs():
        tfjs_converter.convert_tf_saved_model(
            str(saved_model_dir),
            str(out_dir),
            signature_def=signature,
            saved_model_tags="serve",
            quantization_dtype_map=quantization_map(quantize),
            weight_shard_size_bytes=SHARD_BYTES,
        )
    model = json.loads((out_dir / "model.json").read_text())
    bad = unsafe_fusions(model["modelTopology"])
    if bad:
        raise ConversionError(f"fused ops with a non-constant bias: {', '.join(bad[:5])}")
    signature_def = model["signature"]
    return {
        "input": next(iter(signature_def["inputs"])),
        "output": next(iter(signature_def["outputs"])),
    }
