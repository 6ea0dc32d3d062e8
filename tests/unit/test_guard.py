"""The SSRF guard's address rules: every non-public spelling refused, public addresses allowed."""

from __future__ import annotations

import ipaddress

import pytest

from llmstxt.crawl.guard import AddressGuard, embedded_ipv4, is_public
from llmstxt.errors import BlockedAddress

BLOCKED = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fd00:ec2::254",
    "fc00::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
]
PUBLIC = [
    "93.184.216.34",
    "8.8.8.8",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
]


@pytest.mark.parametrize("address", BLOCKED)
def test_non_public_addresses_are_blocked(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    assert not AddressGuard().allows(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_embedded_ipv4_is_found_in_every_wrapping() -> None:
    assert str(embedded_ipv4(ipaddress.ip_address("::ffff:10.0.0.1"))) == "10.0.0.1"
    assert str(embedded_ipv4(ipaddress.ip_address("2002:0a00:0001::"))) == "10.0.0.1"
    assert str(embedded_ipv4(ipaddress.ip_address("64:ff9b::a00:1"))) == "10.0.0.1"
    assert embedded_ipv4(ipaddress.ip_address("2606:4700::1")) is None


def test_allowlist_and_allow_private_open_the_guard() -> None:
    loopback = ipaddress.ip_address("127.0.0.1")
    assert AddressGuard.from_settings(False, ["127.0.0.0/8"]).allows(loopback)
    assert not AddressGuard.from_settings(False, ["10.0.0.0/8"]).allows(loopback)
    assert AddressGuard(allow_private=True).allows(loopback)


@pytest.mark.parametrize(
    "host", ["127.1", "0x7f000001", "2130706433", "017700000001", "localhost", "::1"]
)
async def test_every_spelling_of_loopback_is_refused_after_resolution(
    host: str,
) -> None:
    with pytest.raises(BlockedAddress):
        await AddressGuard().resolve(host, 80)
