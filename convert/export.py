"""Turn a training run into a model bundle: SavedModel, TF.js, card.json, MODEL_CARD.md."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from aiorhuman.convert.card import build_card, file_hashes, model_card_markdown
from aiorhuman.convert.serving import PIXELS_SIGNATURE, save_serving_model
from aiorhuman.convert.tfjs import convert_to_tfjs
from aiorhuman.training.runs import load_run

SAVED_MODEL_DIR = "saved_model"
TFJS_DIR = "tfjs"


def export_bundle(
    run_dir: Path,
    out_dir: Path,
    quantize: str = "float16",
    name: str | None = None,
    evaluation: dict | None = None,
) -> Path:
    """Write the bundle of ``run_dir`` to ``out_dir`` (replaced if it exists); return it.

    ``evaluation``: held-out estimates to record in the card (``card["evaluation"]``).
    """
    run = load_run(run_dir)
    out_dir = Path(out_dir)
    work = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    signatures = save_serving_model(run.model, run.config.input_size, work / SAVED_MODEL_DIR)
    tfjs_names = convert_to_tfjs(
        work / SAVED_MODEL_DIR, work / TFJS_DIR, PIXELS_SIGNATURE, quantize
    )
    card = build_card(
        run,
        name or out_dir.name,
        saved_model={"path": SAVED_MODEL_DIR, "signatures": signatures},
        tfjs={"path": f"{TFJS_DIR}/model.json", "quantization": quantize, **tfjs_names},
        evaluation=evaluation,
    )
    card["run"] = {"name": Path(run_dir).name}  # never a path of the machine that built it
    (work / "MODEL_CARD.md").write_text(model_card_markdown(card, work))
    card["files"] = file_hashes(work)
    (work / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    work.rename(out_dir)
    return out_dir
