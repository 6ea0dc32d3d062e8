"""The service under real uvicorn: the WebSocket protocol, tokens, pings, logs, restarts."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests` is imported as a package from the repository root
    sys.path.insert(0, str(ROOT))

from tests.integration.test_uvicorn_support import ServiceProcess  # noqa: E402
from tests.sites.model import SiteSpec  # noqa: E402
from tests.sites.serve import BackgroundServer  # noqa: E402
from tests.sites.testsite import TestSite  # noqa: E402

API_KEY = "integration-secret-key-7f3a"


@pytest.fixture
def site() -> Iterator[str]:
    """A small documentation site on loopback; its base URL."""
    with BackgroundServer(TestSite(SiteSpec(pages=30, traps=False, latency_ms=20)).app) as server:
        yield server.base


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ServiceProcess]:
    """The service with one API key and fast pings."""
    process = ServiceProcess(
        tmp_path / "data", tmp_path / "service.log", api_keys=API_KEY, ws_ping_seconds="0.2"
    )
    with process:
        yield process


async def messages(ws: ClientConnection) -> list[dict[str, Any]]:
    """Every message until the server closes the socket."""
    received = []
    try:
        async with asyncio.timeout(120):
            async for raw in ws:
                received.append(json.loads(raw))
    except ConnectionClosed:
        pass
    return received


def ws_url(service: ServiceProcess, query: str) -> str:
    """The crawl socket's URL with a query string."""
    return f"ws://127.0.0.1:{service.port}/ws/crawl?{query}"


async def test_websocket_streams_progress_then_result_and_hosted_url(
    service: ServiceProcess, site: str
) -> None:
    request = {"url": site + "/", "maxPages": 30, "descLength": 300, "enableAutoUpdate": False}
    async with connect(ws_url(service, f"api_key={API_KEY}")) as ws:
        await ws.send(json.dumps(request))
        received = await messages(ws)
        close_code = ws.close_code
    kinds = [m["type"] for m in received]
    assert kinds[0] == "job" and "log" in kinds and "progress" in kinds
    assert kinds[-2:] == ["result", "url"], kinds
    assert all(set(m) == {"type", "content"} for m in received)
    result, hosted = received[-2]["content"], received[-1]["content"]
    assert result.startswith("# Acme Docs")
    last = [m["content"] for m in received if m["type"] == "progress"][-1]
    assert last["phase"] == "done" and last["kept"] >= 25
    assert close_code == 1000
    async with httpx2.AsyncClient() as client:
        served = await client.get(hosted)
    assert hosted.startswith(service.base + "/sites/")
    assert served.status_code == 200 and served.text == result


async def test_websocket_pings_while_a_crawl_runs(service: ServiceProcess) -> None:
    # A site slow enough that the crawl outlasts several ping intervals (0.2 s).
    with BackgroundServer(TestSite(SiteSpec(pages=12, traps=False, latency_ms=300)).app) as slow:
        async with connect(ws_url(service, f"api_key={API_KEY}")) as ws:
            await ws.send(json.dumps({"url": slow.base + "/", "maxPages": 12}))
            received = await messages(ws)
    kinds = [m["type"] for m in received]
    assert "ping" in kinds
    assert kinds[-1] == "url"


async def test_websocket_refuses_missing_or_wrong_credentials(service: ServiceProcess) -> None:
    for query in ("", "api_key=wrong", "token=not.a.jwt"):
        async with connect(ws_url(service, query)) as ws:
            received = await messages(ws)
            assert ws.close_code == 4401, query
        assert received == [
            {
                "type": "error",
                "content": "unauthorized: pass a valid api_key or token query parameter",
            }
        ]


async def test_a_token_from_auth_opens_the_socket(service: ServiceProcess, site: str) -> None:
    async with httpx2.AsyncClient() as client:
        minted = await client.post(service.base + "/auth/token", headers={"X-API-Key": API_KEY})
    token = minted.json()["token"]
    async with connect(ws_url(service, f"token={token}")) as ws:
        await ws.send(json.dumps({"url": site + "/", "maxPages": 5}))
        received = await messages(ws)
    assert received[-1]["type"] == "url"


async def test_websocket_reports_bad_requests(service: ServiceProcess) -> None:
    cases = {
        "not json": "invalid request",
        json.dumps({"maxPages": 5}): "invalid request: url",
        json.dumps({"url": "mailto:someone@example.com"}): "not an http(s) URL",
        json.dumps({"url": "http://169.254.169.254/"}): "non-public address",
    }
    for sent, expected in cases.items():
        async with connect(ws_url(service, f"api_key={API_KEY}")) as ws:
            await ws.send(sent)
            received = await messages(ws)
            assert ws.close_code == 1008
        assert received[-1]["type"] == "error" and expected in received[-1]["content"], sent


async def test_logs_are_json_with_job_and_site_and_never_a_key(
    service: ServiceProcess, site: str
) -> None:
    async with connect(ws_url(service, f"api_key={API_KEY}")) as ws:
        await ws.send(json.dumps({"url": site + "/", "maxPages": 5}))
        job_id = (await messages(ws))[0]["content"]["id"]
    async with httpx2.AsyncClient(base_url=service.base) as client:
        await client.get("/api/v1/jobs", headers={"X-API-Key": API_KEY})
        await client.get(f"/api/v1/jobs?api_key={API_KEY}")
    service.wait_for_log("/api/v1/jobs?api_key=***")  # written just after the response
    records = service.log_records()
    assert API_KEY not in service.log()
    job_lines = [r for r in records if r.get("job_id") == job_id]
    assert {"job queued", "job started", "job finished"} <= {r["message"] for r in job_lines}
    assert all(r["site"].startswith("127.0.0.1_") and "level" in r for r in job_lines)
    assert any("/ws/crawl?api_key=***" in str(r["message"]) for r in records)


def test_jobs_left_running_by_a_killed_service_read_interrupted(tmp_path: Path) -> None:
    slow = TestSite(SiteSpec(pages=60, traps=False, latency_ms=500))
    data = tmp_path / "data"
    with BackgroundServer(slow.app) as server:
        first = ServiceProcess(data, tmp_path / "first.log", api_keys=API_KEY).start()
        headers = {"X-API-Key": API_KEY}
        job = httpx2.post(
            first.base + "/api/v1/jobs", json={"url": server.base + "/"}, headers=headers
        ).json()
        first.kill()
    with ServiceProcess(data, tmp_path / "second.log", api_keys=API_KEY) as second:
        after = httpx2.get(f"{second.base}/api/v1/jobs/{job['id']}", headers=headers).json()
    assert after["status"] == "interrupted"
