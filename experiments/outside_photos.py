"""False alarms outside webmix-dev: human-made photos that no training run has seen.

Scores the public-domain photos and scans bundled with scikit-image, scikit-learn and
Matplotlib (21 images: portraits, a cat, a rocket, coffee, a motorcycle, textures, microscopy,
astronomy, a scanned page) with one or more bundles, each as the web might serve it: the
original as PNG, the original as JPEG quality 90, and shrunk like webmix-dev (short side at
most 320 px, JPEG quality 90). Every image is human-made, so every "ai" verdict is a false
alarm. Prints each bundle's false-positive rate at its own threshold, its verdicts and every
image's probability.

    python -m experiments.outside_photos models/default /tmp/linear/models/default
"""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SKIMAGE = [
    "astronaut.png",
    "brick.png",
    "camera.png",
    "cell.png",
    "chelsea.png",
    "clock_motion.png",
    "coffee.png",
    "coins.png",
    "grass.png",
    "gravel.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "moon.png",
    "motorcycle_left.png",
    "motorcycle_right.png",
    "retina.jpg",
    "rocket.jpg",
    "page.png",
]
WEBMIX_SHORT_SIDE = 320


def photo_paths() -> list[Path]:
    """The human-made photos bundled with scikit-image, scikit-learn and Matplotlib."""
    import matplotlib
    import skimage
    import sklearn

    skimage_data = Path(skimage.__file__).parent / "data"
    return [skimage_data / name for name in SKIMAGE] + [
        Path(sklearn.__file__).parent / "datasets/images/china.jpg",
        Path(sklearn.__file__).parent / "datasets/images/flower.jpg",
        Path(matplotlib.get_data_path()) / "sample_data/grace_hopper.jpg",
    ]


def served(path: Path) -> dict[str, bytes]:
    """``path`` encoded the ways the web serves it."""
    from PIL import Image

    image = Image.open(path).convert("RGB")

    def encode(im, fmt: str, **options) -> bytes:
        out = io.BytesIO()
        im.save(out, fmt, **options)
        return out.getvalue()

    scale = min(1.0, WEBMIX_SHORT_SIDE / min(image.size))
    small = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    return {
        "original, PNG": encode(image, "PNG"),
        "original, JPEG 90": encode(image, "JPEG", quality=90),
        "short side <= 320, JPEG 90": encode(small, "JPEG", quality=90),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="+", type=Path)
    args = parser.parse_args()

    import numpy as np

    from aiorhuman.bundle import load_bundle

    paths = photo_paths()
    encoded = [served(p) for p in paths]
    print(f"{len(paths)} human-made photos: " + ", ".join(p.stem for p in paths))
    for bundle_dir in args.bundles:
        bundle = load_bundle(bundle_dir)
        low, high = bundle.card["unsure_band"]
        threshold = bundle.card["threshold"]
        print(f"\n{bundle_dir} ({bundle.card['version']}), threshold {threshold:.3f}:")
        for way in encoded[0]:
            p = np.asarray(bundle.predict_bytes([e[way] for e in encoded]))
            ai, human = int((p >= high).sum()), int((p < low).sum())
            print(
                f"  {way:27s} false positives {np.mean(p >= threshold):5.1%}, "
                f"verdicts ai / human / unsure {ai} / {human} / {len(p) - ai - human}, "
                f"mean p {p.mean():.3f}"
            )
            print("    " + " ".join(f"{x:.2f}" for x in p))


if __name__ == "__main__":
    main()
