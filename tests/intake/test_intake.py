"""The intake: sniffing by content, header checks before decoding, bounded walks, decoding."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from aiorhuman import intake
from aiorhuman.intake import structure
from tests.images import encode
from tests.intake.photos import ENCODERS, first_frame_png, photo
from tests.server import samples

LIMITS = intake.Limits(max_pixels=40_000_000, max_frames=100)


def refused(data: bytes, limits: intake.Limits = LIMITS) -> intake.ImageRefused:
    with pytest.raises(intake.ImageRefused) as caught:
        intake.inspect(data, limits)
    return caught.value


@pytest.mark.parametrize("name", list(ENCODERS))
def test_every_format_is_sniffed_inspected_and_decoded(name):
    fmt, encoder = ENCODERS[name]
    data = encoder(photo())
    info = intake.inspect(data, LIMITS)
    assert (info.format, info.width, info.height) == (fmt, 120, 80)
    assert info.needs_transcode == (data != intake.to_model_bytes(data, info))
    assert info.needs_transcode == (fmt not in intake.MODEL_FORMATS or info.frames > 1)
    decoded = intake.decode(data, info)
    assert decoded.size == (120, 80) and decoded.mode == "RGB"
    expected = np.asarray(Image.open(io.BytesIO(first_frame_png(data))))
    assert np.array_equal(np.asarray(decoded), expected)


def test_frames_of_animations_and_pages_are_counted():
    for name in ("webp-animated", "tiff-pages", "gif-animated"):
        assert intake.inspect(ENCODERS[name][1](photo()), LIMITS).frames == 3
    few = intake.Limits(10**7, 2)
    for name in ("webp-animated", "tiff-pages", "gif-animated"):
        assert refused(ENCODERS[name][1](photo()), few).kind == "too-many-frames"


@pytest.mark.parametrize(
    ("data", "kind", "status"),
    [
        (b"", "empty", 400),
        (samples.TEXT, "not-an-image", 400),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "corrupt", 400),
        (samples.SVG, "unsupported-format", 415),
        (b"  \n<svg xmlns='http://www.w3.org/2000/svg'/>", "unsupported-format", 415),
        (samples.PSD, "unsupported-format", 415),
        (samples.png_huge_header(), "too-many-pixels", 422),
        (samples.jpeg_huge_header(), "too-many-pixels", 422),
        (samples.jpeg_many_scans(), "too-costly", 422),
    ],
    ids=["zero", "text", "bad-png", "svg", "svg-space", "psd", "png-head", "jpeg-head", "scans"],
)
def test_bad_inputs_are_refused_before_decoding(data, kind, status):
    refusal = refused(data)
    assert (refusal.kind, refusal.status) == (kind, status)
    assert refusal.message


def test_bombs_are_refused_from_their_headers():
    bomb = samples.png_bomb()
    assert len(bomb) < 200_000
    assert refused(bomb).limit == LIMITS.max_pixels
    big = photo((400, 300))
    small = intake.Limits(max_pixels=100_000, max_frames=10)
    for name in ("webp", "avif", "heic", "tiff"):
        assert refused(ENCODERS[name][1](big), small).kind == "too-many-pixels", name


def test_tiff_page_bomb_is_refused_from_its_directory_chain():
    one = encode(photo((8, 8)), "TIFF")
    order = "little" if one[:2] == b"II" else "big"
    first = int.from_bytes(one[4:8], order)
    entries = int.from_bytes(one[first : first + 2], order)
    link = first + 2 + 12 * entries
    looped = one[:link] + first.to_bytes(4, order) + one[link + 4 :]  # the chain loops on itself
    assert intake.inspect(looped, LIMITS).frames == 1
    assert structure.tiff_frames(ENCODERS["tiff-pages"][1](photo()), 1) == 2  # stops early


def test_exif_orientation_is_applied_where_pillow_decodes():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    for fmt in ("JPEG", "WEBP", "PNG"):
        data = encode(photo((48, 40)), fmt, exif=exif.tobytes())
        assert intake.decode(data, intake.inspect(data, LIMITS)).size == (40, 48), fmt


def test_truncated_image_passes_the_header_check_but_not_the_decode():
    data = samples.truncated_jpeg()
    with pytest.raises(intake.ImageRefused) as caught:
        intake.to_png(data, intake.inspect(data, LIMITS))
    assert caught.value.kind == "corrupt"


# --- bounded walks (issue 19, item 5: scans counted over the entropy-coded data only) ---------


def _app1(payload: bytes) -> bytes:
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def test_jpeg_scans_are_counted_in_the_scans_not_the_metadata_or_trailer():
    data = samples.jpeg(0, (64, 48))
    thumbnail = samples.jpeg(1, (16, 12))  # an EXIF thumbnail carries its own scan marker
    many_exif = data[:2] + _app1(b"Exif\x00\x00" + thumbnail) * 300 + data[2:]
    trailer = data + b"\xff\xda\x00\x08motion" * 500  # e.g. a motion photo's video after EOI
    progressive = encode(photo(), "JPEG", progressive=True)
    for good in (many_exif, trailer, progressive):
        assert intake.inspect(good, LIMITS).format == "JPEG"
    assert structure.jpeg_scans(data) == 1
    assert structure.jpeg_scans(trailer) == 1
    assert 1 < structure.jpeg_scans(progressive) < 20


@pytest.mark.parametrize(
    ("maker", "kind"),
    [
        (samples.jpeg_many_segments, "too-costly"),
        (samples.png_many_chunks, "too-costly"),
        (samples.gif_many_frames, "too-many-frames"),
        (samples.gif_fragmented, "too-costly"),
    ],
)
def test_pathological_files_are_refused(maker, kind, monkeypatch):
    def never(*_args):
        raise AssertionError("Pillow parsed a file the bounded walks should have refused")

    monkeypatch.setattr("aiorhuman.intake.header.open_image", never)
    assert refused(maker(), intake.Limits(40_000_000, 1000)).kind == kind


def test_real_files_pass_the_walks():
    structure.jpeg_scans(samples.cmyk_jpeg())
    structure.check_png(samples.png())
    assert structure.gif_frames(samples.animated_gif(7), 1000) == 7
    assert structure.gif_frames(samples.animated_gif(7), 3) == 4  # counting stops early


def test_prepare_gives_the_model_what_it_reads():
    jpeg = samples.jpeg()
    assert intake.prepare(jpeg, LIMITS) is jpeg
    webp = ENCODERS["webp"][1](photo())
    assert Image.open(io.BytesIO(intake.prepare(webp, LIMITS))).format == "PNG"
