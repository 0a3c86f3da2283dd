"""Which IP addresses the URL fetcher may connect to (SSRF protection)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Not globally reachable, whatever this Python's ipaddress tables say (they vary by version):
# IETF assignments (Oracle Cloud metadata is 192.0.0.192), benchmarking, shared CGNAT space.
_SPECIAL = tuple(
    ipaddress.ip_network(n) for n in ("192.0.0.0/24", "198.18.0.0/15", "100.64.0.0/10")
)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address stands for: mapped, NAT64, 6to4 and Teredo forms."""
    found = [address.ipv4_mapped, address.sixtofour]
    if address.teredo:
        found += list(address.teredo)
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [a for a in found if a is not None]


def is_public(address: IPAddress) -> bool:
    """True for globally routable unicast addresses, and for nothing that hides another one.

    Refuses loopback, private, link-local (169.254.169.254, the cloud metadata service),
    shared, multicast, reserved and unspecified addresses, in IPv4, IPv6 and every IPv6 form
    that embeds an IPv4 address.
    """
    if address.version == 6:
        if address.scope_id:
            return False
        embedded = _embedded_ipv4(address)
        if embedded:
            return all(is_public(a) for a in embedded)
    return address.is_global and not (
        any(address in network for network in _SPECIAL)
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


def is_allowed(address: IPAddress, allow: Iterable[IPNetwork] = ()) -> bool:
    """True if the fetcher may connect: a public address, or one in an allowed network."""
    return any(address in network for network in allow) or is_public(address)


def parse_networks(texts: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``["127.0.0.1/32", "fd00::/8"]`` -> networks (host bits may be set)."""
    return tuple(ipaddress.ip_network(text, strict=False) for text in texts)
