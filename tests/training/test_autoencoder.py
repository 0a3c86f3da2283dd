"""The TAEF2 port reproduces the reference PyTorch reconstruction of a real photo."""

from pathlib import Path

import numpy as np
import pytest

TAEF2 = Path(__file__).resolve().parents[3] / "shared" / "models" / "taef2"
REFERENCE = TAEF2 / "reference"

pytestmark = pytest.mark.skipif(
    not (REFERENCE / "output.npy").is_file(),
    reason=f"TAEF2 weights and reference outputs not found under {TAEF2} (../shared)",
)


@pytest.fixture(scope="module")
def model():
    from aiorhuman.training.autoencoder import TAEF2 as Autoencoder

    return Autoencoder.from_folder(TAEF2)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(REFERENCE / "input.png").convert("RGB"))


def test_encoder_matches_the_reference_latent(model, photo):
    latent = model.encode(photo[None].astype(np.float32) / 255).numpy()[0]
    # Measured: max error 2.4e-5 (float32 rounding across the encoder's convolutions).
    np.testing.assert_allclose(latent, np.load(REFERENCE / "latent.npy"), atol=1e-3)


def test_reconstruction_matches_the_reference_output(model, photo):
    output = model.reconstruct(photo[None].astype(np.float32) / 255).numpy()[0]
    # Measured: max error 1.3e-5.
    np.testing.assert_allclose(output, np.load(REFERENCE / "output.npy"), atol=1e-3)


def test_reconstruct_pixels_crops_to_multiples_of_eight(model, photo):
    from aiorhuman.training.autoencoder import reconstruct_pixels

    out = reconstruct_pixels(model, photo[:100, :61])
    assert out.shape == (96, 56, 3) and out.dtype == np.uint8
    # Content survives: the reconstruction is close to the (cropped) input.
    assert np.abs(out.astype(float) - photo[2:98, 2:58]).mean() < 20
