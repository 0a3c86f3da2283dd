"""The fixture files, made once per session by the shared generator."""

from __future__ import annotations

import pytest

from tests.provenance.make_fixtures import write_fixtures


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("provenance")
    write_fixtures(out)
    return out


@pytest.fixture(scope="session")
def expected(fixture_dir) -> dict[str, dict]:
    import json

    return json.loads((fixture_dir / "expected.json").read_text())
