"""Fetching by URL: SSRF refusals happen before any connection; limits hold."""

from __future__ import annotations

import ipaddress
import socket
import threading

import pytest

from aiorhuman.server.addresses import parse_networks
from aiorhuman.server.fetch import FetchPolicy, fetch, resolve
from aiorhuman.server.problems import Problem
from tests.server import samples
from tests.server.httpfixture import image_server

DEFAULT = FetchPolicy()
LOOPBACK = FetchPolicy(allow=parse_networks(["127.0.0.1/32"]), timeout=5, max_bytes=1 << 20)


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if anything tries to open a connection."""
    attempts = []

    def refuse(address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"connection attempted to {address}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def problem(url: str, policy: FetchPolicy = DEFAULT, **kwargs) -> Problem:
    with pytest.raises(Problem) as caught:
        fetch(url, policy, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "http://10.0.0.1/x.png",
        "http://169.254.169.254/latest/",
        "http://[::1]/x.png",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "https://192.168.0.1:8443/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://localhost/x.png",
        "http://LOCALHOST:8080/x.png",
    ],
)
def test_internal_targets_are_refused_without_connecting(url, no_connections):
    assert problem(url).slug == "url-not-allowed"
    assert no_connections == []


def test_a_name_resolving_to_loopback_is_refused(no_connections):
    resolver = lambda host, port: [ipaddress.ip_address("127.0.0.1")]  # noqa: E731
    assert problem("http://images.example.test/a.png", resolver=resolver).slug == (
        "url-not-allowed"
    )
    assert no_connections == []


def test_every_resolved_address_is_checked(no_connections):
    mixed = [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.1")]
    assert problem("http://mixed.example.test/", resolver=lambda h, p: mixed).slug == (
        "url-not-allowed"
    )
    assert no_connections == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/a.png",
        "file:///etc/passwd",
        "gopher://x/",
        "javascript:alert(1)",
        "http://user:pw@example.com/",
        "http:///nohost",
        "http://example.com:99999/",
        "http://exa mple.com/",
        "http://[::1/",
        "x" * 3000,
        "",
    ],
)
def test_bad_urls_are_refused_before_resolving(url, no_connections):
    def resolver(host, port):
        raise AssertionError("resolved")

    assert problem(url, resolver=resolver).slug == "bad-url"


def test_resolve_localhost_gives_loopback():
    assert all(a.is_loopback for a in resolve("localhost", 80))


def test_fetches_from_an_allowed_network():
    with image_server() as base:
        assert fetch(f"{base}/image.png", LOOPBACK) == samples.png()
        assert fetch(f"{base}/wrong-type", LOOPBACK) == samples.png()  # content decides later
        assert fetch(f"{base}/redirect", LOOPBACK) == samples.png()


def test_redirects_are_checked_again(monkeypatch):
    with image_server() as base:
        real = socket.create_connection
        seen = []

        def record(address, *args, **kwargs):
            seen.append(address[0])
            return real(address, *args, **kwargs)

        monkeypatch.setattr(socket, "create_connection", record)
        assert problem(f"{base}/redirect-private", LOOPBACK).slug == "url-not-allowed"
        assert problem(f"{base}/redirect-metadata", LOOPBACK).slug == "url-not-allowed"
        assert problem(f"{base}/redirect-file", LOOPBACK).slug == "bad-url"
        assert set(seen) == {"127.0.0.1"}
        assert problem(f"{base}/loop", LOOPBACK).slug == "fetch-failed"
        assert problem(f"{base}/missing", LOOPBACK).slug == "fetch-failed"


def test_size_and_time_are_capped():
    with image_server() as base:
        assert problem(f"{base}/big-declared", LOOPBACK).slug == "body-too-large"
        assert problem(f"{base}/big-stream", LOOPBACK).slug == "body-too-large"
        quick = FetchPolicy(allow=LOOPBACK.allow, timeout=0.5)
        assert problem(f"{base}/slow", quick).slug == "fetch-failed"


def _finishes(url: str, policy: FetchPolicy, resolver=None) -> str:
    """The slug of the fetch's problem; fails if the fetch is still running after 15 s."""
    outcome = []

    def run() -> None:
        with pytest.raises(Problem) as caught:
            fetch(url, policy, **({"resolver": resolver} if resolver else {}))
        outcome.append(caught.value)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(15)  # the drip hosts would hold it for many minutes
    assert outcome, "the fetch outlived its deadline"
    return outcome[0].detail


@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body"])
def test_the_deadline_holds_for_slow_drip_hosts(path):
    """Issue 19, item 1: each read is quick, so read timeouts alone never end the fetch."""
    with image_server() as base:
        policy = FetchPolicy(allow=LOOPBACK.allow, timeout=1.0)
        assert _finishes(base + path, policy) == "Fetching the URL took too long."


def test_the_deadline_covers_name_lookups():
    def slow_resolver(host: str, port: int):
        threading.Event().wait(60)
        return [ipaddress.ip_address("127.0.0.1")]

    policy = FetchPolicy(allow=LOOPBACK.allow, timeout=0.5)
    url = "http://slow-dns.example.test/a.png"
    assert _finishes(url, policy, slow_resolver) == "Fetching the URL took too long."


def test_without_allow_list_loopback_server_is_refused():
    with image_server() as base:
        assert problem(f"{base}/image.png").slug == "url-not-allowed"
