"""The fixture files, made once per session by the shared generator."""

from __future__ import annotations

import json

import pytest

from aiorhuman.provenance import TRUST_DIR_ENV, load_trust
from tests.provenance.make_fixtures import TRUST_DIR, write_fixtures


@pytest.fixture(autouse=True)
def no_trust_dir_from_the_environment(monkeypatch):
    """The tests say which trust lists they load; the machine's own folder never counts."""
    monkeypatch.delenv(TRUST_DIR_ENV, raising=False)


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("provenance")
    write_fixtures(out)
    return out


@pytest.fixture(scope="session")
def fixture_trust(fixture_dir):
    """The fixtures' trust folder: their test CA as the user's own anchor."""
    return load_trust(fixture_dir / TRUST_DIR)


@pytest.fixture(scope="session")
def expected(fixture_dir) -> dict[str, dict]:
    return json.loads((fixture_dir / "expected.json").read_text())


@pytest.fixture(scope="session")
def expected_no_trust(fixture_dir) -> dict[str, dict]:
    return json.loads((fixture_dir / "expected-no-trust.json").read_text())
