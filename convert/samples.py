"""Real images for verification: scikit-image's sample photos, a folder, and format variants."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

# scikit-image ships these photos in its wheel (no download); camera is greyscale, logo RGBA.
SKIMAGE_SAMPLES = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "camera")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".bmp")


def skimage_samples() -> dict[str, bytes]:
    """PNG bytes of scikit-image's bundled sample photos (empty if it is not installed)."""
    try:
        from skimage import data
    except ImportError:
        return {}
    return {
        name: _encode(Image.fromarray(getattr(data, name)()), "PNG") for name in SKIMAGE_SAMPLES
    }


def folder_samples(folder: Path, limit: int) -> dict[str, bytes]:
    """The bytes of the first ``limit`` images of a folder (recursively, sorted by path).

    Raises FileNotFoundError when the folder holds no image, so that a mistyped folder is
    never silently replaced by the default samples.
    """
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise FileNotFoundError(f"no images in {folder}")
    return {p.name: p.read_bytes() for p in paths[:limit]}


def format_variants(photo: Image.Image, rgba: Image.Image) -> dict[str, bytes]:
    """One photo encoded every way clients meet images; ``rgba`` has real transparency."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to view
    photo = photo.convert("RGB")
    return {
        "jpeg": _encode(photo, "JPEG", quality=92),
        "png": _encode(photo, "PNG"),
        "webp": _encode(photo, "WEBP", quality=90),
        "gif (first frame)": _encode_gif(photo),
        "greyscale jpeg": _encode(photo.convert("L"), "JPEG", quality=92),
        "cmyk jpeg": _encode(photo.convert("CMYK"), "JPEG", quality=92),
        "rgba png": _encode(rgba.convert("RGBA"), "PNG"),
        "exif-rotated jpeg": _encode(photo, "JPEG", quality=92, exif=exif),
    }


def default_variants() -> dict[str, bytes]:
    """``format_variants`` of scikit-image's chelsea and logo, or of synthetic images."""
    try:
        from skimage import data

        photo, rgba = Image.fromarray(data.chelsea()), Image.fromarray(data.logo())
    except ImportError:
        photo = Image.fromarray(_gradient(96, 64))
        rgba = Image.fromarray(np.dstack([_gradient(64, 64), _gradient(64, 64)[..., :1]]))
    return format_variants(photo, rgba)


def reference_decode(data: bytes) -> np.ndarray:
    """Pillow's decode as the preprocessing contract says: first frame, EXIF, alpha on white."""
    from PIL import ImageOps

    image = Image.open(io.BytesIO(data))
    image.seek(0)
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA", "P"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return np.asarray(image.convert("RGB"))


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _encode_gif(photo: Image.Image) -> bytes:
    frames = [photo.quantize(256), photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT).quantize(256)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


def _gradient(width: int, height: int) -> np.ndarray:
    x = np.linspace(0, 255, width)[None, :, None]
    y = np.linspace(0, 255, height)[:, None, None]
    return np.broadcast_to((x + y) / 2 * np.array([1.0, 0.6, 0.3]), (height, width, 3)).astype(
        np.uint8
    )
