"""Which ``Host`` names the server answers to: a defence against DNS rebinding.

A page on ``evil.example`` can make its own name resolve to 127.0.0.1 and then read a local
server's answers as same-origin. The browser still sends ``Host: evil.example``, so a server
that listens on loopback answers only loopback names (plus those listed).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

LOOPBACK_NAMES = ("localhost", "localhost.")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (brackets allowed)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class HostCheck:
    """On loopback: only loopback names and ``allowed``; elsewhere: ``allowed``, or any."""

    def __init__(self, listen_host: str, allowed: Iterable[str] = ()) -> None:
        self.allowed = {name.lower() for name in allowed}
        self.loopback_only = is_loopback(listen_host)

    def accepts(self, host_header: str) -> bool:
        """Whether a request with this ``Host`` (port included or not) is answered."""
        if "*" in self.allowed:
            return True
        name = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        name = name.lower()
        if name in self.allowed or (self.loopback_only and is_loopback(name)):
            return True
        return not self.loopback_only and not self.allowed
