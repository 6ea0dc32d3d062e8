"""Load (issue #6, suite 5): the real service under uvicorn, hammered from this process.

200 clients on a hosted llms.txt for 30 s; 20 crawl submissions at once against a bounded queue;
100 WebSocket watchers of one job. Errors must be 0, nothing may crash, memory stays bounded.
The figures are printed (pytest -s) for docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.service import load, tree_rss
from tests.integration.test_uvicorn_support import ServiceProcess
from tests.sites.model import SiteSpec
from tests.sites.serve import BackgroundServer
from tests.sites.testsite import TestSite

pytestmark = pytest.mark.harden

CLIENTS = 200
DURATION_S = 30.0
SUBMISSIONS = 20
MAX_RUNNING, MAX_QUEUED = 2, 4
WATCHERS = 100
MAX_SERVICE_RSS_MB = 600  # the service and its children, summed: generous


class PeakRss:
    """Samples the RSS of a process tree every 50 ms in a thread; the peak in MB."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        deadline = time.monotonic() + 600
        while not self._stop.is_set() and time.monotonic() < deadline:
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.05)

    @property
    def mb(self) -> float:
        """The peak so far, in MB."""
        return self.peak / 2**20

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ServiceProcess]:
    """The open service (no keys) with a small bounded queue and quiet logs."""
    process = ServiceProcess(
        tmp_path / "data",
        tmp_path / "service.log",
        api_keys="",
        max_concurrent_jobs=str(MAX_RUNNING),
        max_queued_jobs=str(MAX_QUEUED),
        log_level="WARNING",
        retry_after_seconds="7",
    )
    with process:
        yield process


def site_server(pages: int, latency_ms: float) -> BackgroundServer:
    """A generated documentation site on loopback."""
    return BackgroundServer(TestSite(SiteSpec(pages=pages, traps=False, latency_ms=latency_ms)).app)


def pid_of(service: ServiceProcess) -> int:
    """The service's process id."""
    assert service._proc is not None
    return service._proc.pid


def wait_job(base: str, job_id: str, timeout: float = 180.0) -> dict[str, Any]:
    """Poll a job until it finishes; its view."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = httpx2.get(f"{base}/api/v1/jobs/{job_id}", timeout=30).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def still_healthy(service: ServiceProcess) -> None:
    """The process is alive, answers, and logged no traceback."""
    assert service._proc is not None and service._proc.poll() is None, "the service died"
    assert httpx2.get(service.base + "/health", timeout=10).status_code == 200
    assert "Traceback" not in service.log()


def test_200_clients_on_a_hosted_llms_txt(service: ServiceProcess) -> None:
    with site_server(30, 0) as site:
        submitted = httpx2.post(
            service.base + "/api/v1/jobs", json={"url": site.base + "/", "maxPages": 30}
        )
        job = wait_job(service.base, submitted.json()["id"])
    assert job["status"] == "succeeded", job
    url = job["links"]["llms_txt"]
    expected = httpx2.get(url).content
    with PeakRss(pid_of(service)) as rss:
        figures = asyncio.run(load(url, clients=CLIENTS, duration=DURATION_S))
    print(f"\n[load] hosted llms.txt ({len(expected)} B): {figures}, service peak {rss.mb:.0f} MB")
    assert figures["errors"] == 0
    assert figures["requests"] > CLIENTS  # every client got answers, not one each
    assert rss.mb < MAX_SERVICE_RSS_MB
    assert httpx2.get(url).content == expected
    still_healthy(service)


async def submit_all(base: str, url: str, n: int) -> list[httpx2.Response]:
    """n job submissions sent at once."""
    limits = httpx2.Limits(max_connections=n)
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        body = {"url": url, "maxPages": 20, "full": False}
        return list(
            await asyncio.gather(*(client.post("/api/v1/jobs", json=body) for _ in range(n)))
        )


def test_20_submissions_at_once_meet_a_bounded_queue(service: ServiceProcess) -> None:
    capacity = MAX_RUNNING + MAX_QUEUED
    # 200 ms a request: each crawl outlasts the burst of submissions by far
    with site_server(20, 200) as site, PeakRss(pid_of(service)) as rss:
        responses = asyncio.run(submit_all(service.base, site.base + "/", SUBMISSIONS))
        accepted = [r for r in responses if r.status_code == 202]
        busy = [r for r in responses if r.status_code == 429]
        jobs = [wait_job(service.base, r.json()["id"]) for r in accepted]
        again = httpx2.post(service.base + "/api/v1/jobs", json={"url": site.base + "/"})
        wait_job(service.base, again.json()["id"])
    print(
        f"\n[load] {SUBMISSIONS} submissions: {len(accepted)} accepted, {len(busy)} x 429, "
        f"statuses {sorted({j['status'] for j in jobs})}, service peak {rss.mb:.0f} MB"
    )
    assert len(accepted) + len(busy) == SUBMISSIONS
    assert len(accepted) >= capacity and busy
    for r in busy:
        assert r.headers["retry-after"] == "7"
        assert r.json()["error"]["code"] == "busy"
    assert all(j["status"] == "succeeded" for j in jobs), [j["error"] for j in jobs]
    assert again.status_code == 202  # the queue drained: new work is taken again
    assert rss.mb < MAX_SERVICE_RSS_MB
    still_healthy(service)


async def watch(url: str) -> list[dict[str, Any]]:
    """Every message of one job socket until the server closes it."""
    received: list[dict[str, Any]] = []
    async with connect(url, open_timeout=60, max_size=2**24) as ws:
        try:
            async for raw in ws:
                received.append(json.loads(raw))
        except ConnectionClosed:
            pass
    return received


async def watch_all(url: str, n: int) -> list[list[dict[str, Any]]]:
    """n watchers of one job, all connected at once; bounded in time."""
    async with asyncio.timeout(180):
        return list(await asyncio.gather(*(watch(url) for _ in range(n))))


def test_100_websocket_watchers_of_one_job(service: ServiceProcess) -> None:
    with site_server(60, 50) as site, PeakRss(pid_of(service)) as rss:
        submitted = httpx2.post(
            service.base + "/api/v1/jobs", json={"url": site.base + "/", "maxPages": 60}
        )
        job_id = submitted.json()["id"]
        ws_url = f"ws://127.0.0.1:{service.port}/ws/jobs/{job_id}"
        began = time.monotonic()
        watched = asyncio.run(watch_all(ws_url, WATCHERS))
        seconds = time.monotonic() - began
        job = wait_job(service.base, job_id)
    hosted = httpx2.get(job["links"]["llms_txt"]).text
    live = sum(
        1
        for w in watched
        if any(m["type"] == "progress" and m["content"].get("phase") == "crawling" for m in w)
    )
    print(
        f"\n[load] {WATCHERS} watchers of one job: all done in {seconds:.1f} s, "
        f"{live} saw it crawling, messages per watcher {min(map(len, watched))}-"
        f"{max(map(len, watched))}, service peak {rss.mb:.0f} MB"
    )
    assert job["status"] == "succeeded"
    for messages in watched:
        kinds = [m["type"] for m in messages]
        assert "progress" in kinds
        assert kinds[-2:] == ["result", "url"], kinds
        assert messages[-2]["content"] == hosted
    assert live > 0  # the watchers joined a running job, not only a finished one
    assert rss.mb < MAX_SERVICE_RSS_MB
    still_healthy(service)
