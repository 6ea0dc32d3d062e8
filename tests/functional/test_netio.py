"""The crawl's asyncio network backend against real loopback servers: keep-alive, hang-ups, TLS."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from llmstxt.crawl.netio import AsyncioBackend, transport_with

pytestmark = pytest.mark.functional


def _app(peers: list[object]) -> web.Application:
    """A page that records which client connection (peer port) asked for it."""

    async def page(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        return web.Response(text="<html><title>ok</title></html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    return app


async def _serve(
    app: web.Application, ssl_context: ssl.SSLContext | None = None, keepalive: float = 75.0
) -> AsyncIterator[str]:
    runner = web.AppRunner(app, keepalive_timeout=keepalive)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


def _client(**kwargs: object) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=transport_with(AsyncioBackend(), **kwargs))  # type: ignore[arg-type]


async def test_connections_are_reused_between_requests() -> None:
    peers: list[object] = []
    async for base in _serve(_app(peers)):
        async with _client() as client:
            for _ in range(5):
                assert (await client.get(base)).status_code == 200
    assert len(peers) == 5
    assert len(set(peers)) == 1  # one keep-alive connection carried all five


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    peers: list[object] = []
    async for base in _serve(_app(peers), keepalive=0.05):
        async with _client() as client:
            assert (await client.get(base)).status_code == 200
            await asyncio.sleep(0.3)  # the server hangs up the idle connection meanwhile
            response = await client.get(base)  # must not be sent down the dead connection
            assert response.status_code == 200
    assert len(set(peers)) == 2


async def test_connect_errors_are_httpx_connect_errors() -> None:
    base = ""
    async for served in _serve(_app([])):
        base = served  # once the loop ends, the server is gone and its port refuses connections
    async with _client() as client:
        with pytest.raises(httpx2.ConnectError):
            await client.get(base)


async def test_read_timeout_is_an_httpx_read_timeout() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_get("/", slow)
    async for base in _serve(app):
        async with _client() as client:
            with pytest.raises(httpx2.ReadTimeout):
                await client.get(base, timeout=0.2)


def _certificate(tmp: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: (server context, client context trusting it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "llmstxt test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "cert.pem", tmp / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


async def test_tls_is_verified_and_works(tmp_path: Path) -> None:
    server_ctx, client_ctx = _certificate(tmp_path)
    peers: list[object] = []
    async for base in _serve(_app(peers), ssl_context=server_ctx):
        async with _client(verify=client_ctx) as client:
            response = await client.get(base)
            assert response.status_code == 200
            assert "ok" in response.text
        async with _client() as untrusting:  # the system CAs do not know this certificate
            with pytest.raises(httpx2.ConnectError):
                await untrusting.get(base)
    assert len(peers) == 1
