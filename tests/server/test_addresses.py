"""Which addresses the URL fetcher may reach."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiorhuman.server.addresses import is_allowed, is_public, parse_networks

REFUSED = [
    "127.0.0.1",
    "127.1.2.3",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.100.100.200",
    "192.0.0.192",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",
    "64:ff9b::7f00:1",
    "2002:a00:1::",
    "2002:7f00:1::",
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo hiding 10.0.0.1
    "fe80::1%1",
]
ALLOWED = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"]


@pytest.mark.parametrize("text", REFUSED)
def test_internal_addresses_are_refused(text):
    assert not is_allowed(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", ALLOWED)
def test_public_addresses_are_allowed(text):
    assert is_allowed(ipaddress.ip_address(text))


def test_allow_list_opens_a_network_and_nothing_else():
    allow = parse_networks(["127.0.0.1/32", "fd00::/8"])
    assert is_allowed(ipaddress.ip_address("127.0.0.1"), allow)
    assert is_allowed(ipaddress.ip_address("fd00::5"), allow)
    assert not is_allowed(ipaddress.ip_address("127.0.0.2"), allow)
    assert not is_allowed(ipaddress.ip_address("169.254.169.254"), allow)


@given(st.ip_addresses())
def test_public_means_global_and_unicast(address):
    if is_public(address):
        assert not (address.is_private or address.is_loopback or address.is_link_local)
        assert not (address.is_multicast or address.is_unspecified)
