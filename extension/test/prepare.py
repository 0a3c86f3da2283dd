"""Test material for the browser tests, made with the project's Python (.venv).

    .venv/bin/python extension/test/prepare.py OUT_DIR [--bundle DIR]

Writes into OUT_DIR:
  images/   test images (photos from scikit-image's bundled data, public domain): JPEG, JPEG
            with an EXIF rotation, PNG, PNG with alpha, animated GIF, BMP, a very large JPEG, a
            very wide one, a tiny one, a broken file and an SVG;
  bundle/   a tiny model bundle (random small CNN, 224 px), unless --bundle names a real one;
  scores.json  Python's probability for every scorable image, from the bundle's SavedModel
            (the serving_default signature: TF decodes and preprocesses the bytes itself).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import aiorhuman  # noqa: E402, F401  (keeps TensorFlow's native start-up logs quiet)

SKIMAGE = Path(__import__("skimage").__file__).parent / "data"
SIZE = 224


def exif_rotated(image: Image.Image) -> bytes:
    """JPEG stored sideways with EXIF Orientation 6 (viewers rotate it 90 degrees clockwise)."""
    stored = image.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def make_images(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    chelsea = Image.open(SKIMAGE / "chelsea.png").convert("RGB")
    coffee = Image.open(SKIMAGE / "coffee.png").convert("RGB")
    astronaut = Image.open(SKIMAGE / "astronaut.png").convert("RGB")
    rocket = Image.open(SKIMAGE / "rocket.jpg").convert("RGB")
    motorcycle = Image.open(SKIMAGE / "motorcycle_left.png").convert("RGB")
    (out / "chelsea.jpg").write_bytes(jpeg(chelsea))
    (out / "rocket.jpg").write_bytes((SKIMAGE / "rocket.jpg").read_bytes())
    chelsea.save(out / "chelsea.webp", quality=85)  # browsers decode it; TensorFlow cannot
    (out / "coffee-exif6.jpg").write_bytes(exif_rotated(coffee))
    astronaut.save(out / "astronaut.png")
    logo = Image.open(SKIMAGE / "logo.png").convert("RGBA")
    logo.save(out / "logo-alpha.png")
    frames = [chelsea.resize((300, 200)), coffee.resize((300, 200))]
    frames[0].save(out / "anim.gif", save_all=True, append_images=frames[1:], duration=200, loop=0)
    motorcycle.save(out / "motorcycle.bmp")
    (out / "large.jpg").write_bytes(jpeg(astronaut.resize((4000, 3000), Image.BICUBIC), 85))
    (out / "wide.jpg").write_bytes(jpeg(motorcycle.resize((1400, 180))))
    for i, (name, image) in enumerate(
        [("coffee", coffee), ("rocket", rocket), ("astronaut", astronaut)]
    ):
        # Extra photos for the page of many images (each one different bytes).
        for k in range(4):
            crop = image.crop((k * 20, k * 10, image.width - k * 15, image.height - k * 12))
            (out / f"extra-{name}-{k}.jpg").write_bytes(jpeg(crop, 80 + i + k))
    photos = [chelsea, coffee, astronaut, rocket, motorcycle]
    for k in range(50):
        # A page of 50 different photos (benchmark): crops of different places and sizes.
        image = photos[k % len(photos)]
        w, h = image.size
        box = (k * 3 % 60, k * 5 % 40, w - (k * 7 % 50), h - (k * 2 % 30))
        (out / f"page-{k:02d}.jpg").write_bytes(jpeg(image.crop(box).resize((480, 320)), 85))
    Image.new("RGB", (24, 24), (200, 30, 30)).save(out / "tiny.png")
    (out / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    (out / "drawing.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300">'
        '<rect width="300" height="300" fill="#48c"/>'
        '<circle cx="150" cy="150" r="90" fill="#fc3"/></svg>'
    )


SCORABLE = (".jpg", ".png", ".gif", ".bmp")


def make_bundle(out: Path, images: Path, architecture: str = "tiny") -> Path:
    """A small but real bundle: the project's SavedModel export and TF.js converter.

    ``tiny``: a random 3-layer CNN (fast tests). ``efficientnet_lite0``: the shipped
    architecture (ImageNet weights when present, else random) with a random head, for
    benchmarks before a trained bundle exists.
    """
    import tensorflow as tf
    import tf_keras as keras

    from aiorhuman.convert.serving import save_serving_model
    from aiorhuman.convert.tfjs import convert_to_tfjs

    tf.keras.utils.set_random_seed(7)
    keras.utils.set_random_seed(7)
    if architecture == "tiny":
        inputs = keras.Input((SIZE, SIZE, 3))
        x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
        x = keras.layers.Conv2D(8, 5, strides=4, activation="relu")(x)
        x = keras.layers.Conv2D(16, 3, strides=2, activation="relu")(x)
        x = keras.layers.Conv2D(16, 3, strides=2, activation="relu")(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
        outputs = keras.layers.Dense(1, activation="sigmoid")(x)
        model = keras.Model(inputs, outputs)
        quantize = "none"
    else:
        from aiorhuman.training.config import TrainConfig
        from aiorhuman.training.model import build_classifier

        try:
            model = build_classifier(TrainConfig(backbone=architecture, weights="imagenet"))
        except Exception:  # no local ImageNet weights: the speed is the same
            model = build_classifier(TrainConfig(backbone=architecture, weights="random"))
        quantize = "float16"
    # Spread the outputs so that the test images fall on both sides of the unsure band:
    # standardise the logits over the test images.
    from aiorhuman.bundle.preprocess import preprocess_bytes

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)][-1]
    names = sorted(
        p
        for p in images.iterdir()
        if p.suffix in SCORABLE and p.name not in {"broken.jpg", "tiny.png"}
    )
    names = [p for p in names if not p.name.startswith("page-")]
    pixels = tf.stack([preprocess_bytes(tf.constant(p.read_bytes()), SIZE) for p in names])
    features = keras.Model(model.inputs, dense.input).predict(pixels, verbose=0)
    kernel, _ = dense.get_weights()
    logits = features @ kernel[:, 0]
    scale = 2.5 / (logits.std() + 1e-9)
    dense.set_weights([kernel * scale, np.array([-np.median(logits) * scale], np.float32)])

    out.mkdir(parents=True, exist_ok=True)
    signatures = save_serving_model(model, SIZE, out / "saved_model")
    tfjs = convert_to_tfjs(out / "saved_model", out / "tfjs", "pixels", quantize)
    files = {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "card.json"
    }
    card = {
        "card_version": 1,
        "name": f"extension-test-{architecture}",
        "version": "0",
        "created": "2026-01-01T00:00:00Z",
        "backbone": {"name": architecture, "weights": "test bundle: random head (seed 7)"},
        "input_size": SIZE,
        "labels": {"0": "human", "1": "ai"},
        "output": "probability_ai",
        "threshold": 0.5,
        "unsure_band": [0.4, 0.6],
        "saved_model": {"path": "saved_model", "signatures": signatures},
        "tfjs": {
            "path": "tfjs/model.json",
            "quantization": quantize,
            "input": tfjs["input"],
            "output": tfjs["output"],
        },
        "files": files,
    }
    (out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    return out


def python_scores(bundle_dir: Path, images: Path) -> dict:
    from aiorhuman.bundle import load_bundle

    bundle = load_bundle(bundle_dir)
    names = sorted(
        p.name
        for p in images.iterdir()
        if p.suffix in SCORABLE and p.name not in {"broken.jpg", "tiny.png"}
    )
    names = [n for n in names if not n.startswith("page-")]
    probabilities = bundle.predict_bytes([(images / n).read_bytes() for n in names])
    return {
        "bundle": str(bundle_dir),
        "unsure_band": bundle.card["unsure_band"],
        "quantization": bundle.card["tfjs"]["quantization"],
        "scores": {
            n: {"probability_ai": float(p), "verdict": bundle.verdict(float(p))}
            for n, p in zip(names, probabilities, strict=True)
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--bundle", type=Path, help="use this bundle instead of making one")
    parser.add_argument("--architecture", default="tiny", choices=["tiny", "efficientnet_lite0"])
    args = parser.parse_args()
    make_images(args.out / "images")
    bundle_dir = (
        args.bundle
        if args.bundle
        else make_bundle(args.out / "bundle", args.out / "images", args.architecture)
    ).resolve()
    scores = python_scores(bundle_dir, args.out / "images")
    (args.out / "scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    print(
        json.dumps(
            {"bundle": str(bundle_dir), "images": len(list((args.out / "images").iterdir()))}
        )
    )


if __name__ == "__main__":
    main()
