"""The SSRF guard: every connection goes to an address that was resolved and checked to be public.

The check sits in the connection layer (an httpcore2 network backend), so it sees the address actually
dialled: every spelling of a host (127.1, 0x7f000001, 2130706433, [::ffff:127.0.0.1]), every redirect
hop, and a DNS answer that changes between checks (rebinding) are all caught, because the socket is
opened to the very address that was checked. TLS still verifies and sends SNI for the URL's hostname.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpcore2
import httpx2

from llmstxt.crawl.netio import AsyncioBackend, transport_with
from llmstxt.errors import BlockedAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges that are not "global" for our purpose even where the ipaddress module might say so.
_ALWAYS_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "169.254.0.0/16",  # link-local, incl. 169.254.169.254 cloud metadata
        "192.0.0.0/24",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "fd00:ec2::254/128",  # EC2 metadata over IPv6
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, 6to4, Teredo or NAT64 IPv6 address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """True for a globally routable unicast address (and no private address hidden inside it)."""
    inner = embedded_ipv4(ip)
    if inner is not None and not is_public(inner):
        return False
    if ip.is_multicast or ip.is_unspecified or ip.is_loopback or ip.is_link_local:
        return False
    if any(ip.version == n.version and ip in n for n in _ALWAYS_BLOCKED):
        return False
    return ip.is_global or inner is not None


@dataclass(frozen=True, slots=True)
class AddressGuard:
    """Decides which addresses may be dialled: public ones, plus an explicit allowlist."""

    allow_private: bool = False
    allowlist: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, allow_private: bool, cidrs: Iterable[str] = ()) -> AddressGuard:
        """Build from settings strings; a bad CIDR raises ValueError at startup, not at request time."""
        return cls(
            allow_private, tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs)
        )

    def allows(self, ip: IPAddress) -> bool:
        """True when ip may be dialled."""
        if self.allow_private or is_public(ip):
            return True
        return any(ip.version == n.version and ip in n for n in self.allowlist)

    async def resolve(self, host: str, port: int) -> list[str]:
        """Resolve host and return its addresses, or raise BlockedAddress if any is refused."""
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpx2.ConnectError(f"cannot resolve {host}: {exc.strerror}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not self.allows(ip):
                raise BlockedAddress(f"{host} resolves to {ip}, a non-public address")
        return addresses


class GuardedBackend(httpcore2.AsyncNetworkBackend):
    """A network backend that dials only addresses the guard has checked."""

    def __init__(
        self, guard: AddressGuard, inner: httpcore2.AsyncNetworkBackend | None = None
    ) -> None:
        self.guard = guard
        self.inner = inner or AsyncioBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        """Resolve, check, then connect to a checked address (never re-resolving the name)."""
        addresses = await self.guard.resolve(host, port)
        return await self._connect_first(addresses, port, timeout, local_address, socket_options)

    async def _connect_first(
        self,
        addresses: Sequence[str],
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore2.AsyncNetworkStream:
        """Try each checked address in turn; raise the last connection error."""
        error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore2.ConnectError("no address to connect to")

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore2.AsyncNetworkStream:
        """Unix sockets are never reachable through the guard."""
        raise BlockedAddress("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Delegate to the inner backend."""
        await self.inner.sleep(seconds)


def guarded_transport(guard: AddressGuard, **kwargs: Any) -> httpx2.AsyncHTTPTransport:
    """An httpx2 transport whose every connection passes through the guard."""
    return transport_with(GuardedBackend(guard), **kwargs)
