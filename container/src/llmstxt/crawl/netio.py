"""An httpcore2 network backend on plain asyncio streams, for the crawl's one client.

httpcore2's default (anyio) backend costs more CPU than the request it carries on a crawl: on every
request the pool asks each pooled connection whether its socket is readable, and anyio answers
by building a dict of every socket attribute (getpeername included) each time; each read and write
also opens an anyio cancel scope. Here the pool's question is a look at the stream's own state,
and timeouts are asyncio's. Measured on the 500-page benchmark: see docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore2
import httpx2

_READ_LIMIT = 2**16


class AsyncioStream(httpcore2.AsyncNetworkStream):
    """One TCP (or TLS) connection as an httpcore2 stream."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to max_bytes; b"" at end of stream."""
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore2.ReadTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore2.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send all of buffer."""
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore2.WriteTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore2.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        """Close without waiting for the peer (as httpcore2's own backends do)."""
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        """Upgrade this connection to TLS (certificate checks and SNI as the context says)."""
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            self._writer.close()
            raise httpcore2.ConnectTimeout(str(exc)) from exc
        except (OSError, ssl.SSLError) as exc:
            self._writer.close()
            raise httpcore2.ConnectError(str(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        """What httpcore2 asks of a stream: the TLS object, addresses, the socket, readability."""
        if info == "is_readable":
            # Asked of idle pooled connections before reuse: data or EOF on an idle connection
            # means the server hung up (or broke protocol): either way, do not reuse it.
            reader = self._reader
            return reader.at_eof() or bool(getattr(reader, "_buffer", b""))
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore2.AsyncNetworkBackend):
    """Opens TCP connections with asyncio (TCP_NODELAY is asyncio's default)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        """Connect to host:port (host is an address when the SSRF guard is in front)."""
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=local, limit=_READ_LIMIT
                )
        except TimeoutError as exc:
            raise httpcore2.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore2.ConnectError(str(exc)) from exc
        sock: socket.socket | None = writer.get_extra_info("socket")
        for option in socket_options or ():
            if sock is not None:
                sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.AsyncNetworkStream:
        """A crawl never dials a Unix socket."""
        raise httpcore2.ConnectError("unix sockets are not used by the crawler")

    async def sleep(self, seconds: float) -> None:
        """asyncio's sleep."""
        await asyncio.sleep(seconds)


def transport_with(
    backend: httpcore2.AsyncNetworkBackend, **kwargs: Any
) -> httpx2.AsyncHTTPTransport:
    """An httpx2 transport (same options as httpx2.AsyncHTTPTransport) dialling through backend."""
    transport = httpx2.AsyncHTTPTransport(**kwargs)
    # httpx2 does not expose network_backend; the pool is built just above, so swapping it is safe.
    transport._pool._network_backend = backend
    return transport
