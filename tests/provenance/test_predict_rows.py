"""aiorhuman-predict rows: the final verdict, its reason and the provenance as compact JSON."""

from __future__ import annotations

import json

from aiorhuman.batch.inputs import Input
from aiorhuman.batch.rows import COLUMNS, result_row
from aiorhuman.batch.scoring import add_provenance
from aiorhuman.bundle.scoring import Scored
from aiorhuman.provenance import TRUST_DIR_ENV
from tests.provenance.make_fixtures import TRUST_DIR


def row(fixture_dir, name: str, probability: float | None, verdict: str | None, error=None):
    path = fixture_dir / name
    scored = Scored(Input(path, name), probability, verdict, error)
    return result_row(add_provenance(scored, path.read_bytes() if error is None else None))


def test_metadata_decides_and_the_probability_stays_the_models(fixture_dir, expected, monkeypatch):
    """The batch wing reads the trust folder of $AIORHUMAN_TRUST_DIR (here: the test CA)."""
    monkeypatch.setenv(TRUST_DIR_ENV, str(fixture_dir / TRUST_DIR))
    r = row(fixture_dir, "c2pa_ai.jpg", 0.1, "human")
    assert set(r) == set(COLUMNS)
    assert (r["probability_ai"], r["verdict"], r["reason"]) == (0.1, "ai", "metadata")
    assert json.loads(r["provenance"]) == expected["c2pa_ai.jpg"]
    assert "\n" not in r["provenance"] and ", " not in r["provenance"][:20]


def test_without_decisive_metadata_the_model_decides(fixture_dir):
    r = row(fixture_dir, "jpeg_exif_camera.jpg", 0.9, "ai")
    assert (r["verdict"], r["reason"]) == ("ai", "model")
    assert json.loads(r["provenance"])["signals"][0]["kind"] == "camera"
    claimed = row(fixture_dir, "c2pa_ai.jpg", 0.1, "human")  # no trust folder: a claim only
    assert (claimed["verdict"], claimed["reason"]) == ("human", "model")


def test_unread_files_have_empty_provenance_and_no_reason(fixture_dir):
    r = row(fixture_dir, "plain.jpg", None, None, error="file too large")
    assert r["verdict"] is None and r["reason"] is None
    assert json.loads(r["provenance"]) == {
        "decision": None,
        "reason": None,
        "signals": [],
        "errors": [],
    }
