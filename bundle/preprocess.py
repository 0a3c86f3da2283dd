"""The one preprocessing definition: encoded bytes -> S x S x 3 float32 pixels in 0..255.

Used by training, evaluation, prediction and, traced into the graph, by the exported
SavedModel's bytes signature. Steps (written into every bundle's card.json):

1. decode JPEG, PNG, GIF (first frame) or BMP, sniffed from the bytes, not from a name;
2. composite any alpha channel on white;
3. apply the JPEG EXIF orientation tag;
4. resize so that the short side is S, bilinear with antialiasing (TF ``antialias=True``);
5. crop the centre S x S. Aspect ratio never reaches the model: no squashing, no padding.

Pixel scaling (to whatever range the backbone wants) happens inside the model.
"""

from __future__ import annotations

import tensorflow as tf

FORMATS = ("jpeg", "png", "gif", "bmp")
_MAGIC = {
    "jpeg": b"\xff\xd8\xff",
    "png": b"\x89PNG",
    "gif": b"GIF8",
    "bmp": b"BM",
}
# How far into a JPEG to look for the EXIF block and how many IFD0 entries to scan.
_EXIF_SEARCH_BYTES = 65536
_EXIF_MAX_ENTRIES = 64

PREPROCESSING_SPEC = {
    "decode": "JPEG, PNG, GIF (first frame) or BMP, detected from the bytes",
    "alpha": "composite on white (255, 255, 255)",
    "orientation": "JPEG EXIF Orientation tag applied",
    "resize": "short side to input_size, bilinear with antialiasing "
    "(tf.image.resize antialias=True: triangle filter widened by the scale, half-pixel centres)",
    "crop": "centre crop input_size x input_size; offset floor((L - input_size) / 2)",
    "pixels": "float32 RGB in 0..255, shape [batch, input_size, input_size, 3]; "
    "scaling to the backbone's range happens inside the model",
}


def sniff_format(data: tf.Tensor) -> tf.Tensor:
    """Index into ``FORMATS`` of an encoded image (scalar string tensor), or -1."""
    index = tf.constant(-1)
    for i, name in reversed(list(enumerate(FORMATS))):
        magic = _MAGIC[name]
        match = tf.equal(tf.strings.substr(data, 0, len(magic)), magic)
        index = tf.where(match, i, index)
    return index


def _composite_on_white(rgba: tf.Tensor) -> tf.Tensor:
    rgba = tf.cast(rgba, tf.float32)
    alpha = rgba[..., 3:] / 255.0
    rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)
    return tf.cast(tf.round(rgb), tf.uint8)


def _read_uint(buffer: tf.Tensor, offset: tf.Tensor, width: int, little: tf.Tensor) -> tf.Tensor:
    """Unsigned integer of ``width`` bytes at ``offset`` of a uint8 vector (0 when out of range)."""
    positions = offset + tf.range(width)
    in_range = tf.reduce_all(positions < tf.shape(buffer)[0]) & tf.reduce_all(positions >= 0)
    positions = tf.clip_by_value(positions, 0, tf.maximum(tf.shape(buffer)[0] - 1, 0))
    values = tf.cast(tf.gather(buffer, positions), tf.int64)
    weights_le = tf.constant([256**i for i in range(width)], tf.int64)
    weights = tf.where(little, weights_le, tf.reverse(weights_le, [0]))
    return tf.where(in_range, tf.reduce_sum(values * weights), tf.constant(0, tf.int64))


def exif_orientation(data: tf.Tensor) -> tf.Tensor:
    """The EXIF Orientation (1..8) of an encoded JPEG, or 1 when there is none."""
    head = tf.strings.substr(data, 0, _EXIF_SEARCH_BYTES)
    parts = tf.strings.split(head, sep="Exif\x00\x00", maxsplit=1)
    has_exif = tf.size(parts) > 1
    tiff = tf.cond(has_exif, lambda: parts[-1], lambda: tf.constant(b"\x00" * 8))
    tiff = tf.strings.substr(tiff, 0, 8 + 2 + 12 * _EXIF_MAX_ENTRIES + 4096)
    buffer = tf.io.decode_raw(tiff, tf.uint8)
    little = tf.equal(tf.strings.substr(tiff, 0, 2), b"II")
    valid = has_exif & (little | tf.equal(tf.strings.substr(tiff, 0, 2), b"MM"))
    ifd = _read_uint(buffer, tf.constant(4), 4, little)
    count = tf.minimum(_read_uint(buffer, tf.cast(ifd, tf.int32), 2, little), _EXIF_MAX_ENTRIES)
    entries = tf.cast(ifd, tf.int32) + 2 + 12 * tf.range(_EXIF_MAX_ENTRIES)
    tags = tf.map_fn(
        lambda o: _read_uint(buffer, o, 2, little), entries, fn_output_signature=tf.int64
    )
    values = tf.map_fn(
        lambda o: _read_uint(buffer, o + 8, 2, little), entries, fn_output_signature=tf.int64
    )
    is_orientation = tf.equal(tags, 0x0112) & (tf.range(_EXIF_MAX_ENTRIES, dtype=tf.int64) < count)
    found = tf.reduce_any(is_orientation)
    value = tf.reduce_max(tf.where(is_orientation, values, 0))
    ok = valid & found & (value >= 1) & (value <= 8)
    return tf.where(ok, tf.cast(value, tf.int32), 1)


def apply_orientation(image: tf.Tensor, orientation: tf.Tensor) -> tf.Tensor:
    """Rotate/flip an H x W x C image as the EXIF Orientation value (1..8) says."""
    transpose = lambda x: tf.transpose(x, [1, 0, 2])  # noqa: E731
    branches = [
        lambda: image,  # 1: as stored
        lambda: tf.reverse(image, [1]),  # 2: mirrored horizontally
        lambda: tf.reverse(image, [0, 1]),  # 3: rotated 180
        lambda: tf.reverse(image, [0]),  # 4: mirrored vertically
        lambda: transpose(image),  # 5: transposed
        lambda: tf.reverse(transpose(image), [1]),  # 6: rotate 90 clockwise to view
        lambda: tf.reverse(transpose(image), [0, 1]),  # 7: transverse
        lambda: tf.reverse(transpose(image), [0]),  # 8: rotate 90 counter-clockwise to view
    ]
    return tf.switch_case(orientation - 1, branches)


def decode_image(data: tf.Tensor) -> tf.Tensor:
    """Decode encoded image bytes to H x W x 3 uint8 RGB (alpha on white, EXIF applied).

    Raises ``tf.errors.InvalidArgumentError`` for bytes that are not a supported image.
    """
    fmt = sniff_format(data)
    tf.debugging.assert_non_negative(
        fmt, message="not a supported image (expected JPEG, PNG, GIF or BMP)"
    )

    def jpeg():
        image = tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE")
        return apply_orientation(image, exif_orientation(data))

    def png():
        return _composite_on_white(tf.io.decode_png(data, channels=4))

    def gif():
        return tf.io.decode_gif(data)[0]

    def bmp():
        return _composite_on_white(tf.io.decode_bmp(data, channels=4))

    image = tf.switch_case(tf.maximum(fmt, 0), [jpeg, png, gif, bmp])
    image.set_shape([None, None, 3])
    return image


def resize_and_crop(image: tf.Tensor, size: int) -> tf.Tensor:
    """Resize an H x W x 3 image so its short side is ``size``, then crop the centre square.

    Returns float32 pixels in 0..255 of shape ``size x size x 3``.
    """
    shape = tf.shape(image)
    height, width = tf.cast(shape[0], tf.float64), tf.cast(shape[1], tf.float64)
    scale = tf.cast(size, tf.float64) / tf.minimum(height, width)
    new_height = tf.maximum(tf.cast(tf.round(height * scale), tf.int32), size)
    new_width = tf.maximum(tf.cast(tf.round(width * scale), tf.int32), size)
    resized = tf.image.resize(
        tf.cast(image, tf.float32), tf.stack([new_height, new_width]), antialias=True
    )
    top = (new_height - size) // 2
    left = (new_width - size) // 2
    cropped = resized[top : top + size, left : left + size, :]
    cropped = tf.clip_by_value(cropped, 0.0, 255.0)
    return tf.ensure_shape(cropped, [size, size, 3])


def preprocess_bytes(data: tf.Tensor, size: int) -> tf.Tensor:
    """Encoded bytes -> ``size x size x 3`` float32 model input (steps 1-5 above)."""
    return resize_and_crop(decode_image(data), size)
