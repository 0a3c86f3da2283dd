"""TAEF2, the tiny autoencoder that imitates FLUX.2's VAE, ported to TensorFlow.

The weights are the two PyTorch state dicts of ``madebyollin/taesd``'s "flux_2" variant (MIT),
read without PyTorch by ``backbones.torch_weights``. A real photo passed through the encoder
and decoder keeps its content and gains a latent-diffusion decoder's texture: the aligned
pairs of ``training.reconstruct``. Architecture (TAESD, latent 32 channels, mid-block GroupNorm):

- ``Block``: ``conv3 → ReLU → conv3 → ReLU → conv3``, plus its input, then ReLU; in the mid
  blocks the input first gains ``1x1 conv(64→256) → GroupNorm(4) → ReLU → 1x1 conv(256→64)``.
- encoder: conv, Block, 3 x (stride-2 conv, 3 Blocks; the last three with GroupNorm), conv.
- decoder: ``tanh(z / 3) * 3``, conv, ReLU, 3 x (3 Blocks, nearest x2, conv), Block, conv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from aiorhuman.training.backbones.torch_weights import load_state_dict

# Images must have both sides a multiple of this (three stride-2 convolutions).
MULTIPLE = 8
LATENT_CHANNELS = 32
_GROUPS, _GN_EPS = 4, 1e-5
# Sequential indices of the encoder and decoder: (kind, index) in order.
_ENCODER = (
    [("conv", 0), ("block", 1), ("down", 2)]
    + [("block", i) for i in (3, 4, 5)]
    + [("down", 6)]
    + [("block", i) for i in (7, 8, 9)]
    + [("down", 10)]
    + [("block", i) for i in (11, 12, 13)]
    + [("conv", 14)]
)
_DECODER = (
    [("clamp", 0), ("conv", 1), ("relu", 2)]
    + [("block", i) for i in (3, 4, 5)]
    + [("up", 6), ("conv", 7)]
    + [("block", i) for i in (8, 9, 10)]
    + [("up", 11), ("conv", 12)]
    + [("block", i) for i in (13, 14, 15)]
    + [("up", 16), ("conv", 17), ("block", 18), ("conv", 19)]
)


def _kernel(array: np.ndarray) -> tf.Tensor:
    """PyTorch ``[out, in, kh, kw]`` to TensorFlow ``[kh, kw, in, out]``, float32."""
    return tf.constant(array.astype(np.float32).transpose(2, 3, 1, 0))


class _Network:
    """One of the two halves: its weights, and a forward pass in TensorFlow ops."""

    def __init__(self, state_dict: dict[str, np.ndarray], layout: list) -> None:
        self.layout = layout
        self.w = {
            name: _kernel(v) if v.ndim == 4 else tf.constant(v.astype(np.float32))
            for name, v in state_dict.items()
        }

    def _conv(self, x: tf.Tensor, name: str, stride: int = 1) -> tf.Tensor:
        kernel = self.w[f"{name}.weight"]
        if stride == 1:
            x = tf.nn.conv2d(x, kernel, 1, "SAME")
        else:  # PyTorch pads 1 on every side; TF's SAME would pad only bottom/right here
            x = tf.nn.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), kernel, stride, "VALID")
        bias = self.w.get(f"{name}.bias")
        return x if bias is None else x + bias

    def _group_norm(self, x: tf.Tensor, name: str) -> tf.Tensor:
        shape = tf.shape(x)
        channels = x.shape[-1]
        grouped = tf.reshape(x, [shape[0], shape[1], shape[2], _GROUPS, channels // _GROUPS])
        mean, variance = tf.nn.moments(grouped, axes=[1, 2, 4], keepdims=True)
        grouped = (grouped - mean) * tf.math.rsqrt(variance + _GN_EPS)
        x = tf.reshape(grouped, shape)
        return x * self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def _block(self, x: tf.Tensor, i: int) -> tf.Tensor:
        if f"{i}.pool.0.weight" in self.w:
            h = self._conv(x, f"{i}.pool.0")
            h = tf.nn.relu(self._group_norm(h, f"{i}.pool.1"))
            x = x + self._conv(h, f"{i}.pool.3")
        h = tf.nn.relu(self._conv(x, f"{i}.conv.0"))
        h = tf.nn.relu(self._conv(h, f"{i}.conv.2"))
        return tf.nn.relu(self._conv(h, f"{i}.conv.4") + x)

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        for kind, i in self.layout:
            if kind == "conv":
                x = self._conv(x, str(i))
            elif kind == "down":
                x = self._conv(x, str(i), stride=2)
            elif kind == "block":
                x = self._block(x, i)
            elif kind == "relu":
                x = tf.nn.relu(x)
            elif kind == "clamp":
                x = tf.tanh(x / 3) * 3
            elif kind == "up":
                x = tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2)
        return x


class TAEF2:
    """The autoencoder: ``encode`` [N, H, W, 3] in [0, 1] to [N, H/8, W/8, 32], ``decode``
    back, ``reconstruct`` both (clamped to [0, 1])."""

    def __init__(self, encoder_pth: str | Path, decoder_pth: str | Path) -> None:
        self._encoder = _Network(load_state_dict(encoder_pth), _ENCODER)
        self._decoder = _Network(load_state_dict(decoder_pth), _DECODER)
        spec = tf.TensorSpec([None, None, None, 3], tf.float32)
        self.encode = tf.function(self._encoder, input_signature=[spec])
        latent = tf.TensorSpec([None, None, None, LATENT_CHANNELS], tf.float32)
        self.decode = tf.function(self._decoder, input_signature=[latent])
        self.reconstruct = tf.function(
            lambda x: tf.clip_by_value(self._decoder(self._encoder(x)), 0.0, 1.0),
            input_signature=[spec],
        )

    @classmethod
    def from_folder(cls, folder: str | Path) -> TAEF2:
        """Load ``taef2_encoder.pth`` and ``taef2_decoder.pth`` from ``folder``."""
        folder = Path(folder)
        return cls(folder / "taef2_encoder.pth", folder / "taef2_decoder.pth")


def reconstruct_pixels(model: TAEF2, pixels: np.ndarray) -> np.ndarray:
    """One H x W x 3 uint8 image through the autoencoder, cropped (centred) to multiples of
    ``MULTIPLE``; returns the uint8 reconstruction of the crop."""
    h, w = (pixels.shape[0] // MULTIPLE) * MULTIPLE, (pixels.shape[1] // MULTIPLE) * MULTIPLE
    if not h or not w:
        raise ValueError(f"image of {pixels.shape[:2]} is smaller than {MULTIPLE} px")
    top, left = (pixels.shape[0] - h) // 2, (pixels.shape[1] - w) // 2
    crop = pixels[top : top + h, left : left + w, :3].astype(np.float32) / 255
    out = model.reconstruct(tf.constant(crop[None])).numpy()[0]
    return np.round(out * 255).astype(np.uint8)
