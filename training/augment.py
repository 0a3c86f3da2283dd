"""Training-time augmentation aimed at how the web delivers images.

Applied to a decoded uint8 image; ends with the same resize-and-crop as inference, so the
model never sees a squashed or padded image. Crops are square, so aspect ratio never leaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf

from aiorhuman.bundle.preprocess import resize_and_crop


@dataclass
class AugmentConfig:
    """Probabilities and ranges of each augmentation (``enabled=False`` turns them all off)."""

    enabled: bool = True
    crop_probability: float = 0.6
    crop_min_fraction: float = 0.55  # side of the square crop, as a fraction of the short side
    flip: bool = True
    jpeg_probability: float = 0.5
    jpeg_quality: tuple[int, int] = (30, 95)
    rescale_probability: float = 0.3
    rescale_range: tuple[float, float] = (0.4, 0.9)
    blur_probability: float = 0.15
    blur_sigma: tuple[float, float] = (0.3, 1.2)
    colour_probability: float = 0.3
    brightness: float = 0.08
    contrast: float = 0.12
    saturation: float = 0.15


@dataclass
class ConsistencyConfig:
    """The web copies that consistency training pairs with each training image."""

    rescale_range: tuple[float, float] = (0.4, 1.0)
    jpeg_quality: tuple[int, int] = (30, 90)


def _chance(probability: float) -> tf.Tensor:
    return tf.random.uniform([]) < probability


def random_square_crop(image: tf.Tensor, min_fraction: float) -> tf.Tensor:
    """A random square crop whose side is ``min_fraction``..1 of the short side."""
    shape = tf.shape(image)
    short = tf.minimum(shape[0], shape[1])
    fraction = tf.random.uniform([], min_fraction, 1.0)
    side = tf.maximum(tf.cast(tf.cast(short, tf.float32) * fraction, tf.int32), 1)
    top = tf.random.uniform([], 0, shape[0] - side + 1, dtype=tf.int32)
    left = tf.random.uniform([], 0, shape[1] - side + 1, dtype=tf.int32)
    return image[top : top + side, left : left + side]


def _gaussian_blur(image: tf.Tensor, sigma: tf.Tensor) -> tf.Tensor:
    radius = 3
    x = tf.cast(tf.range(-radius, radius + 1), tf.float32)
    kernel = tf.exp(-(x**2) / (2.0 * sigma**2))
    kernel /= tf.reduce_sum(kernel)
    horizontal = tf.tile(tf.reshape(kernel, [1, -1, 1, 1]), [1, 1, 3, 1])
    vertical = tf.tile(tf.reshape(kernel, [-1, 1, 1, 1]), [1, 1, 3, 1])
    batch = image[None]
    batch = tf.nn.depthwise_conv2d(batch, horizontal, [1, 1, 1, 1], "SAME")
    batch = tf.nn.depthwise_conv2d(batch, vertical, [1, 1, 1, 1], "SAME")
    return batch[0]


def _down_up(image: tf.Tensor, low: float, high: float) -> tf.Tensor:
    size = tf.shape(image)[:2]
    factor = tf.random.uniform([], low, high)
    small = tf.maximum(tf.cast(tf.cast(size, tf.float32) * factor, tf.int32), 8)
    down = tf.image.resize(image, small, antialias=True)
    return tf.image.resize(down, size, method="bilinear")


def _colour(image: tf.Tensor, config: AugmentConfig) -> tf.Tensor:
    x = image / 255.0
    x = tf.image.random_brightness(x, config.brightness)
    x = tf.image.random_contrast(x, 1 - config.contrast, 1 + config.contrast)
    x = tf.image.random_saturation(x, 1 - config.saturation, 1 + config.saturation)
    return tf.clip_by_value(x, 0.0, 1.0) * 255.0


def augment(image: tf.Tensor, size: int, config: AugmentConfig) -> tf.Tensor:
    """A decoded H x W x 3 uint8 image -> an augmented ``size`` x ``size`` x 3 float32 input."""
    if not config.enabled:
        return resize_and_crop(image, size)
    image = tf.cond(
        _chance(config.crop_probability),
        lambda: random_square_crop(image, config.crop_min_fraction),
        lambda: image,
    )
    x = resize_and_crop(image, size)
    if config.flip:
        x = tf.image.random_flip_left_right(x)
    x = tf.cond(_chance(config.colour_probability), lambda: _colour(x, config), lambda: x)
    x = tf.cond(
        _chance(config.rescale_probability),
        lambda: _down_up(x, *config.rescale_range),
        lambda: x,
    )
    x = tf.cond(
        _chance(config.blur_probability),
        lambda: _gaussian_blur(x, tf.random.uniform([], *config.blur_sigma)),
        lambda: x,
    )

    def jpeg() -> tf.Tensor:
        quality = tf.random.uniform([], *config.jpeg_quality, dtype=tf.int32)
        pixels = tf.cast(tf.clip_by_value(tf.round(x), 0, 255), tf.uint8)
        return tf.cast(tf.image.adjust_jpeg_quality(pixels, quality), tf.float32)

    x = tf.cond(_chance(config.jpeg_probability), jpeg, lambda: x)
    return tf.ensure_shape(tf.clip_by_value(x, 0.0, 255.0), [size, size, 3])


def web_copy(image: tf.Tensor, config: ConsistencyConfig) -> tf.Tensor:
    """A web copy of a decoded image at its own resolution: rescaled by a random factor, then
    re-encoded as JPEG at a random quality (what ``half_size`` and ``jpeg_q40`` do to a file)."""
    size = tf.shape(image)[:2]
    factor = tf.random.uniform([], *config.rescale_range)
    small = tf.maximum(tf.cast(tf.cast(size, tf.float32) * factor, tf.int32), 8)
    scaled = tf.image.resize(tf.cast(image, tf.float32), small, antialias=True)
    pixels = tf.cast(tf.clip_by_value(tf.round(scaled), 0, 255), tf.uint8)
    quality = tf.random.uniform([], *config.jpeg_quality, dtype=tf.int32)
    return tf.image.adjust_jpeg_quality(pixels, quality)


def clean_and_web_views(
    image: tf.Tensor, size: int, config: AugmentConfig, consistency: ConsistencyConfig
) -> tuple[tf.Tensor, tf.Tensor]:
    """Two ``size`` x ``size`` inputs of one decoded image that differ only by web delivery:
    the same crop, flip and colour, one view as it is and one from ``web_copy``."""
    if config.enabled:
        image = tf.cond(
            _chance(config.crop_probability),
            lambda: random_square_crop(image, config.crop_min_fraction),
            lambda: image,
        )
        if config.flip:
            image = tf.image.random_flip_left_right(image)
        image = tf.cond(
            _chance(config.colour_probability),
            lambda: tf.cast(tf.round(_colour(tf.cast(image, tf.float32), config)), tf.uint8),
            lambda: image,
        )
    clean = resize_and_crop(image, size)
    degraded = resize_and_crop(web_copy(image, consistency), size)
    return clean, tf.ensure_shape(degraded, [size, size, 3])
