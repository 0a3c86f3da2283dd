"""Every format the intake reads scores through ``aiorhuman-predict`` as the same pixels do
as a PNG (the Ray engine's twin of this test is in test_ray_engine.py)."""

from __future__ import annotations

import pytest

from aiorhuman.batch.inputs import Input
from aiorhuman.batch.scoring import open_bundle, score_files
from tests.intake.photos import ENCODERS, first_frame_png, photo

# TensorFlow's and Pillow's JPEG decoders may differ by a grey level here and there.
TOLERANCE = {"jpeg": 2e-3}


@pytest.fixture(scope="module")
def scorer(tiny_bundle):
    return open_bundle(tiny_bundle)


@pytest.mark.parametrize("name", list(ENCODERS))
def test_each_format_scores_as_its_pixels(scorer, name, tmp_path):
    data = ENCODERS[name][1](photo())
    path = tmp_path / f"image.{name}"
    path.write_bytes(data)
    [result] = score_files(scorer, [Input(path, path.name)])
    assert result.error is None
    expected = float(scorer.probabilities([first_frame_png(data)])[0])
    assert result.probability == pytest.approx(expected, abs=TOLERANCE.get(name, 1e-5))
