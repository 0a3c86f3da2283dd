"""Small real images made with Pillow, for tests (no dataset files in the repo)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def smooth_image(seed: int, size: tuple[int, int] = (64, 48)) -> Image.Image:
    """A blurred colour gradient with a soft disc: the 'too clean' look."""
    rng = np.random.default_rng(seed)
    w, h = size
    x = np.linspace(0, 1, w)[None, :, None]
    y = np.linspace(0, 1, h)[:, None, None]
    c = rng.random(3)
    pixels = (255 * (x * c + y * (1 - c))).astype("uint8")
    image = Image.fromarray(np.broadcast_to(pixels, (h, w, 3)).copy())
    draw = ImageDraw.Draw(image)
    r = min(w, h) // 4
    cx, cy = int(rng.integers(r, w - r)), int(rng.integers(r, h - r))
    draw.ellipse(
        [cx - r, cy - r, cx + r, cy + r], fill=tuple(int(v) for v in rng.integers(0, 255, 3))
    )
    return image.filter(ImageFilter.GaussianBlur(2))


def noisy_image(seed: int, size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Grainy texture with edges: the 'camera noise' look."""
    rng = np.random.default_rng(seed + 10_000)
    w, h = size
    base = rng.integers(0, 255, (h // 4 + 1, w // 4 + 1, 3)).astype("uint8")
    image = Image.fromarray(base).resize((w, h), Image.NEAREST)
    noise = rng.normal(0, 25, (h, w, 3))
    pixels = np.clip(np.asarray(image, dtype=float) + noise, 0, 255).astype("uint8")
    return Image.fromarray(pixels)


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    """Encode a Pillow image to bytes."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def write_folder_dataset(root: Path, per_class: int = 12) -> Path:
    """An ai/ + human/ folder dataset of varied sizes and formats."""
    for label in ("ai", "human"):
        (root / label).mkdir(parents=True, exist_ok=True)
    for i in range(per_class):
        size = (48 + 8 * (i % 5), 40 + 6 * (i % 4))
        smooth_image(i, size).save(root / "ai" / f"a{i}.png")
        noisy_image(i, size).save(root / "human" / f"h{i}.jpg", quality=85)
    return root


def write_kaggle_dataset(root: Path, per_class: int = 12) -> Path:
    """A Kaggle-layout dataset: train.csv (with an unnamed index column) + train_data/."""
    (root / "train_data").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(per_class):
        for label, maker in ((1, smooth_image), (0, noisy_image)):
            name = f"train_data/{label}_{i}.jpg"
            maker(i, (56 + 4 * (i % 3), 48)).save(root / name, quality=90)
            rows.append(f"{len(rows)},{name},{label}")
    (root / "train.csv").write_text(",file_name,label\n" + "\n".join(rows) + "\n")
    return root


def pixel_batch(per_kind: int, size: int = 32) -> np.ndarray:
    """``per_kind`` smooth then ``per_kind`` noisy images as a float32 ``[N, size, size, 3]``."""
    images = [smooth_image(i, (size, size)) for i in range(per_kind)]
    images += [noisy_image(i, (size, size)) for i in range(per_kind)]
    return np.stack([np.asarray(im, dtype=np.float32) for im in images])
