"""Trust folders: loading, the environment variable, and ``aiorhuman-trust update`` against a
local HTTP server serving the public copies of the lists."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from aiorhuman.provenance import TRUST_DIR_ENV, load_trust, read_provenance
from aiorhuman.provenance.trust import NO_TRUST, current_trust, trust_dir
from aiorhuman.provenance.trust_cli import OFFICIAL_SOURCES, main, sources
from tests.provenance.make_fixtures import TEST_CA, TRUST_DIR
from tests.provenance.public import PUBLIC

LISTS = PUBLIC / "trust"
needs_lists = pytest.mark.skipif(
    not LISTS.is_dir(), reason=f"public trust list copies not found at {LISTS}"
)


@pytest.fixture
def served(tmp_path):
    """A local HTTP server over a copy of the public lists: (base URL, its folder)."""
    root = tmp_path / "served"
    shutil.copytree(LISTS, root)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", root
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_no_folder_means_no_trust(tmp_path):
    assert trust_dir() is None and current_trust() is NO_TRUST
    assert load_trust(tmp_path / "missing") is NO_TRUST
    assert not load_trust(tmp_path).installed


def test_the_official_sources_are_the_published_locations():
    assert OFFICIAL_SOURCES == {
        "C2PA-TRUST-LIST.pem": "https://raw.githubusercontent.com/c2pa-org/conformance-public/main/trust-list/C2PA-TRUST-LIST.pem",
        "C2PA-TSA-TRUST-LIST.pem": "https://raw.githubusercontent.com/c2pa-org/conformance-public/main/trust-list/C2PA-TSA-TRUST-LIST.pem",
        "anchors.pem": "https://contentcredentials.org/trust/anchors.pem",
        "allowed.pem": "https://contentcredentials.org/trust/allowed.pem",
        "store.cfg": "https://contentcredentials.org/trust/store.cfg",
    }
    assert sources("http://mirror/x/")["store.cfg"] == "http://mirror/x/store.cfg"


@needs_lists
def test_update_downloads_every_list_and_keeps_the_users_own(served, tmp_path, capsys):
    base, _ = served
    folder = tmp_path / "trust"
    folder.mkdir()
    (folder / "newsroom.pem").write_text((LISTS / "anchors.pem").read_text())
    assert main(["update", "--trust-dir", str(folder), "--source", base]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([*OFFICIAL_SOURCES, "newsroom.pem"])
    for name in OFFICIAL_SOURCES:
        assert (folder / name).read_bytes() == (LISTS / name).read_bytes()
    trust = load_trust(folder)
    assert trust.installed and "newsroom.pem" in trust.files and trust.tsa and trust.config
    assert "newsroom.pem" in capsys.readouterr().out


@needs_lists
def test_update_reads_the_environment_variable(served, tmp_path, monkeypatch):
    base, _ = served
    monkeypatch.setenv(TRUST_DIR_ENV, str(tmp_path / "from-env"))
    assert main(["update", "--source", base]) == 0
    dalle = (PUBLIC / "ms/DALL-E_cloud_surfing_puppy.webp").read_bytes()
    assert read_provenance(dalle)["decision"] == "ai"  # the default trust: $AIORHUMAN_TRUST_DIR
    monkeypatch.delenv(TRUST_DIR_ENV)
    assert read_provenance(dalle)["decision"] is None


@needs_lists
@pytest.mark.parametrize("broken", ["missing", "not-a-list"])
def test_update_is_all_or_nothing(served, tmp_path, capsys, broken):
    base, root = served
    if broken == "missing":
        (root / "allowed.pem").unlink()
    else:
        (root / "store.cfg").write_text("<html>maintenance</html>")
    folder = tmp_path / "trust"
    assert main(["update", "--trust-dir", str(folder), "--source", base]) == 1
    assert not folder.exists() or not list(folder.iterdir())
    assert "nothing written" in capsys.readouterr().err


def test_update_needs_a_folder(capsys):
    with pytest.raises(SystemExit):
        main(["update"])
    assert TRUST_DIR_ENV in capsys.readouterr().err


def test_show_says_when_nothing_is_installed(tmp_path, capsys):
    assert main(["show"]) == 0
    assert "no signer is recognised" in capsys.readouterr().out
    assert main(["show", "--trust-dir", str(tmp_path)]) == 0
    assert "no trust list installed" in capsys.readouterr().out


def test_the_users_own_anchor_is_recognised(fixture_dir, tmp_path):
    """A newsroom's own CA, dropped into the folder as a PEM file: its signatures decide."""
    data = (fixture_dir / "c2pa_ai.jpg").read_bytes()
    assert read_provenance(data, trust=load_trust(tmp_path))["decision"] is None
    shutil.copy(fixture_dir / TRUST_DIR / TEST_CA, tmp_path / "newsroom.pem")
    result = read_provenance(data, trust=load_trust(tmp_path))
    assert result["decision"] == "ai" and result["signals"][0]["c2pa"]["trust"] == "trusted"


def test_the_folder_is_read_again_when_it_changes(fixture_dir, tmp_path, monkeypatch):
    monkeypatch.setenv(TRUST_DIR_ENV, str(tmp_path))
    data = (fixture_dir / "c2pa_ai.jpg").read_bytes()
    assert read_provenance(data)["decision"] is None
    shutil.copy(fixture_dir / TRUST_DIR / TEST_CA, tmp_path / "newsroom.pem")
    assert read_provenance(data)["decision"] == "ai"


@pytest.mark.parametrize(
    "content",
    [
        b"x" * (9 * 1024 * 1024),
        b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    ],
    ids=["too big", "malformed"],
)
def test_an_unreadable_folder_is_an_error_and_recognises_nobody(
    fixture_dir, tmp_path, monkeypatch, content
):
    shutil.copy(fixture_dir / TRUST_DIR / TEST_CA, tmp_path / "newsroom.pem")
    (tmp_path / "broken.pem").write_bytes(content)
    monkeypatch.setenv(TRUST_DIR_ENV, str(tmp_path))
    result = read_provenance((fixture_dir / "c2pa_ai.jpg").read_bytes())
    assert result["decision"] is None
    assert result["signals"][0]["c2pa"]["trust"] == "untrusted"
    assert result["errors"] == ["trust list unreadable (ValueError): no signer recognised"]
