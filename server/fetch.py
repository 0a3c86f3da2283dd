"""Fetch an image by URL without letting the URL reach inside the network (SSRF).

Each hop (the URL and every redirect) is parsed, its host resolved, and every resolved address
checked before any connection; the connection then goes to a checked address (no second DNS
lookup that a rebinding attack could answer differently). One wall-clock deadline covers the
whole fetch (name lookups, connections, headers, body) and the body is streamed under a size
cap. Environment proxies are never used.

Socket timeouts bound each read, not their sum: a host that sends a byte just before each
timeout would hold the request for as long as it likes. So a watchdog shuts every socket of
a fetch down when its deadline passes, and name lookups (which cannot be interrupted) run in
a small pool that the fetch stops waiting for at the deadline.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from aiorhuman.server.addresses import IPAddress, IPNetwork, is_allowed
from aiorhuman.server.problems import Problem

MAX_URL_LENGTH = 2048
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
USER_AGENT = "aiorhuman-server (+image check)"
_CHUNK = 64 * 1024
_LOOKUPS = ThreadPoolExecutor(4, thread_name_prefix="fetch-dns")

Resolver = Callable[[str, int], list[IPAddress]]


@dataclass(frozen=True)
class FetchPolicy:
    """Where and how much the fetcher may fetch."""

    allow: tuple[IPNetwork, ...] = ()
    timeout: float = 10.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 3


@dataclass(frozen=True)
class Target:
    """One parsed hop."""

    scheme: str
    host: str
    port: int
    path: str


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address a host name resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    return list(dict.fromkeys(addresses))


def parse(url: str) -> Target:
    """Check the shape of a URL: http(s), a host, no credentials, a valid port."""
    if len(url) > MAX_URL_LENGTH:
        raise Problem("bad-url", f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise Problem("bad-url", "The URL contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Problem("bad-url", "The URL cannot be parsed.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Problem("bad-url", "Only http and https URLs can be fetched.")
    if not parts.hostname:
        raise Problem("bad-url", "The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise Problem("bad-url", "URLs with credentials are not fetched.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def _too_slow() -> Problem:
    return Problem("fetch-failed", "Fetching the URL took too long.")


class _Watchdog:
    """Shuts the sockets it watches down once the deadline passes, ending any blocked read."""

    def __init__(self, deadline: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(deadline - time.monotonic(), 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                self._shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with suppress(OSError):  # the plain socket's shutdown, for TLS too (no TLS goodbye)
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


@contextmanager
def _guarded(deadline: float) -> Iterator[_Watchdog]:
    """A watchdog for one fetch; any socket error after it fired means 'too slow'."""
    watchdog = _Watchdog(deadline)
    try:
        yield watchdog
    except Problem:
        if watchdog.fired:
            raise _too_slow() from None
        raise
    finally:
        watchdog.cancel()


def check(
    target: Target, policy: FetchPolicy, resolver: Resolver, deadline: float
) -> list[IPAddress]:
    """Resolve the host (within the deadline); refuse the hop unless every address is allowed."""
    try:
        lookup = _LOOKUPS.submit(resolver, target.host, target.port)
        addresses = lookup.result(timeout=_remaining(deadline))
    except LookupTimeout:
        raise _too_slow() from None
    except (OSError, UnicodeError, ValueError):
        raise Problem("fetch-failed", f"The host {target.host!r} cannot be resolved.") from None
    if not addresses:
        raise Problem("fetch-failed", f"The host {target.host!r} has no address.")
    refused = [a for a in addresses if not is_allowed(a, policy.allow)]
    if refused:
        raise Problem(
            "url-not-allowed",
            f"The host {target.host!r} resolves to an address this server does not fetch "
            "from (loopback, private, link-local, multicast or reserved).",
        )
    return addresses


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to a fixed, already checked address; Host header from the URL."""

    def __init__(
        self, target: Target, address: IPAddress, timeout: float, watchdog: _Watchdog
    ) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = str(address)
        self.watchdog = watchdog

    def connect(self) -> None:
        # Connecting is one wait, bounded by its timeout (what is left of the deadline).
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.watchdog.watch(self.sock)
        self.kept = self.sock  # http.client drops ``sock`` once the response owns it


class _PinnedHTTPS(_PinnedHTTP):
    """HTTPS to a fixed address, certificate checked against the URL's host name."""

    context = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self.kept = self.context.wrap_socket(self.sock, server_hostname=self.host)
        self.watchdog.watch(self.sock)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _too_slow()
    return left


def _get(target: Target, addresses: list[IPAddress], deadline: float, watchdog: _Watchdog):
    """Send the GET to the first address that answers; return (connection, response)."""
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    reason = "no address answered"
    for address in addresses:
        connection = kind(target, address, _remaining(deadline), watchdog)
        try:
            connection.request(
                "GET",
                target.path,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "image/*",
                    "Accept-Encoding": "identity",
                    "Connection": "close",
                },
            )
            return connection, connection.getresponse()
        except TimeoutError:
            connection.close()
            raise _too_slow() from None
        except (OSError, http.client.HTTPException, UnicodeError, ValueError) as exc:
            connection.close()
            reason = type(exc).__name__
    raise Problem("fetch-failed", f"The URL could not be fetched ({reason}).")


def _read(connection, response, max_bytes: int, deadline: float) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise Problem(
            "body-too-large",
            f"The image at the URL is larger than {max_bytes} bytes.",
            limit=max_bytes,
        )
    chunks, size = [], 0
    while not response.isclosed():
        try:
            connection.kept.settimeout(_remaining(deadline))
            chunk = response.read(_CHUNK)
        except TimeoutError:
            raise _too_slow() from None
        except (OSError, http.client.HTTPException) as exc:
            raise Problem(
                "fetch-failed", f"The URL could not be read ({type(exc).__name__})."
            ) from None
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise Problem(
                "body-too-large",
                f"The image at the URL is larger than {max_bytes} bytes.",
                limit=max_bytes,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(url: str, policy: FetchPolicy, resolver: Resolver = resolve) -> bytes:
    """The body of ``url`` (following checked redirects), or a ``Problem``."""
    deadline = time.monotonic() + policy.timeout
    with _guarded(deadline) as watchdog:
        for _ in range(policy.max_redirects + 1):
            target = parse(url)
            addresses = check(target, policy, resolver, deadline)
            connection, response = _get(target, addresses, deadline, watchdog)
            try:
                if response.status in REDIRECT_STATUSES:
                    location = response.getheader("Location")
                    if not location:
                        raise Problem("fetch-failed", "The URL redirects without a Location.")
                    url = urljoin(url, location)
                    continue
                if response.status != 200:
                    raise Problem("fetch-failed", f"The URL answered HTTP {response.status}.")
                data = _read(connection, response, policy.max_bytes, deadline)
                if watchdog.fired:  # the read ended because its socket was shut
                    raise _too_slow()
                return data
            finally:
                connection.close()
    raise Problem("fetch-failed", f"The URL redirects more than {policy.max_redirects} times.")
