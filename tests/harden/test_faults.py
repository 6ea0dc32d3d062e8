"""Faults (issue #6, suite 6): the store goes away, an S3 write fails mid-publish, the disk fills.

Each fault is real: a moto server process stopped under a running uvicorn service; an S3 PUT that
fails on the wire (a botocore before-send hook raising a connection error for one object, the
other writes going to the moto server); a 2 MB tmpfs that fills up. The service must answer with
a clear JSON error, never a 500 with a traceback, never publish a partial or empty file, keep
serving the previous version, and recover once the fault is gone. (kill -9 mid-recrawl is #4's.)
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from botocore.exceptions import EndpointConnectionError

from llmstxt.service.app import create_app
from llmstxt.service.settings import Settings
from llmstxt.store import Store
from llmstxt.store.aws import AwsStore
from llmstxt.store.local import LocalStore
from tests.integration.conftest import MotoServer, point_boto3_at
from tests.integration.test_uvicorn_support import ServiceProcess
from tests.sites.model import SiteSpec
from tests.sites.serve import BackgroundServer
from tests.sites.testsite import TestSite

pytestmark = pytest.mark.harden

FINAL = ("succeeded", "failed", "cancelled", "interrupted")


def names() -> tuple[str, str]:
    """A fresh table and bucket name."""
    return f"llmstxt-{uuid.uuid4().hex[:8]}", f"llmstxt-{uuid.uuid4().hex[:8]}"


def create_resources(table: str, bucket: str) -> None:
    """The table and bucket, on whatever emulator the environment points at."""

    async def create() -> None:
        store = AwsStore(table=table, bucket=bucket, region="us-east-1")
        await store.create_resources()
        await store.close()

    asyncio.run(create())


def site_server() -> BackgroundServer:
    """A small documentation site on loopback."""
    return BackgroundServer(TestSite(SiteSpec(pages=20, traps=False)).app)


def wait_job(client: httpx2.Client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    """Poll a job until it finishes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in FINAL:
            return job
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def clear_503(response: httpx2.Response) -> None:
    """A 503 with the JSON error shape, naming the store, and no traceback."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "store_unavailable"
    assert "Traceback" not in response.text


def wait_status(client: httpx2.Client, job_id: str, status: str, timeout: float = 60) -> None:
    """Poll a job until it has the given status."""
    deadline = time.monotonic() + timeout
    while client.get(f"/api/v1/jobs/{job_id}").json()["status"] != status:
        assert time.monotonic() < deadline, f"job {job_id} never {status}"
        time.sleep(0.02)


def aws_store_on_moto(monkeypatch: pytest.MonkeyPatch) -> tuple[MotoServer, dict[str, str]]:
    """A fresh moto server with the table and bucket made, boto3 pointed at it; service settings."""
    moto = MotoServer().start()
    point_boto3_at(moto.url, monkeypatch)
    table, bucket = names()
    create_resources(table, bucket)
    return moto, {"store": "aws", "table": table, "bucket": bucket, "api_keys": ""}


def test_jobs_caught_by_a_store_outage_end_failed_not_stuck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One job running and one queued when the store goes: both end `failed`, none hangs."""
    moto, settings = aws_store_on_moto(monkeypatch)
    slow = TestSite(SiteSpec(pages=20, traps=False, latency_ms=300))
    try:
        with (
            BackgroundServer(slow.app) as site,
            ServiceProcess(
                tmp_path / "unused", tmp_path / "service.log", max_concurrent_jobs="1", **settings
            ) as service,
            httpx2.Client(base_url=service.base, timeout=60) as client,
        ):
            running = client.post("/api/v1/jobs", json={"url": site.base + "/"}).json()["id"]
            queued = client.post("/api/v1/jobs", json={"url": site.base + "/"}).json()["id"]
            wait_status(client, running, "running")
            moto.stop()
            jobs = [wait_job(client, running, 60), wait_job(client, queued, 60)]
            log = service.log()
    finally:
        moto.stop()
    print(f"\n[faults] store down under 2 jobs: {[(j['status'], j['error']) for j in jobs]}")
    for job in jobs:
        assert job["status"] == "failed", job
        assert "store" in job["error"], job
    assert "Traceback" not in log and "never retrieved" not in log


def restart_on(port: int) -> MotoServer:
    """A new moto server on the port the old one had."""
    server = MotoServer()
    server.port, server.url = port, f"http://127.0.0.1:{port}"
    return server.start()


def test_store_unreachable_is_a_clear_503_and_the_service_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto, settings = aws_store_on_moto(monkeypatch)
    try:
        with (
            site_server() as site,
            ServiceProcess(tmp_path / "unused", tmp_path / "service.log", **settings) as service,
            httpx2.Client(base_url=service.base, timeout=60) as client,
        ):
            job = wait_job(
                client, client.post("/api/v1/jobs", json={"url": site.base + "/"}).json()["id"]
            )
            hosted = job["links"]["llms_txt"]
            assert client.get(hosted).status_code == 200
            moto.stop()  # the store is gone
            began = time.monotonic()
            down = [
                client.get(hosted),
                client.get("/health/ready"),
                client.get("/api/v1/sites"),
                client.post("/api/v1/jobs", json={"url": site.base + "/"}),
            ]
            answered_in = time.monotonic() - began
            for response in down:
                clear_503(response)
            assert client.get("/health").status_code == 200  # the process itself is fine
            moto = restart_on(moto.port)  # it comes back (an emulator forgets: recreate)
            create_resources(settings["table"], settings["bucket"])
            assert client.get("/health/ready").status_code == 200
            again = client.post("/api/v1/jobs", json={"url": site.base + "/"})
            rejob = wait_job(client, again.json()["id"])
            served = client.get(hosted)
            log = service.log()
        print(f"\n[faults] store down: 4 requests answered 503 in {answered_in:.1f} s; recovered")
        assert again.status_code == 202 and rejob["status"] == "succeeded", rejob
        assert served.status_code == 200 and served.text.startswith("# Acme Docs")
        assert "Traceback" not in log
    finally:
        moto.stop()


@contextlib.asynccontextmanager
async def in_process(settings: Settings, store: Store) -> AsyncIterator[httpx2.AsyncClient]:
    """The app with its startup and shutdown run, on the given store, over ASGITransport."""
    app = create_app(settings, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield client


def open_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """An open service that may crawl loopback."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "allowed_cidrs": ("127.0.0.0/8",),
        "max_concurrent_jobs": 1,
        "crawl_concurrency": 4,
    }
    return Settings(**(values | overrides))


async def run_job(client: httpx2.AsyncClient, url: str, max_pages: int) -> dict[str, Any]:
    """Submit a job and wait for its end (bounded)."""
    submitted = await client.post("/api/v1/jobs", json={"url": url, "maxPages": max_pages})
    assert submitted.status_code == 202, submitted.text
    async with asyncio.timeout(120):
        while True:
            job: dict[str, Any] = (
                await client.get(f"/api/v1/jobs/{submitted.json()['id']}")
            ).json()
            if job["status"] in FINAL:
                return job
            await asyncio.sleep(0.05)


class FailingPuts:
    """A botocore before-send hook: once armed, every PUT of an object whose key has `part`
    fails on the wire as if the connection dropped (all the client's retries included)."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.armed = False
        self.failed = 0

    def __call__(self, request: Any, **_: Any) -> None:
        if self.armed and self.part in request.url:
            self.failed += 1
            raise EndpointConnectionError(endpoint_url=request.url)


async def test_an_s3_write_failing_mid_publish_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto = MotoServer().start()
    point_boto3_at(moto.url, monkeypatch)
    table, bucket = names()
    await asyncio.to_thread(create_resources, table, bucket)
    store = AwsStore(table=table, bucket=bucket, region="us-east-1")
    hook = FailingPuts("/llms-full.txt")  # llms.txt of the new version goes up, then this fails
    store._s3.meta.events.register("before-send.s3.PutObject", hook)
    settings = open_settings(tmp_path, store="aws", table=table, bucket=bucket)
    try:
        with site_server() as site:
            async with in_process(settings, store) as client:
                first = await run_job(client, site.base + "/", 8)
                before = await client.get(first["links"]["llms_txt"])
                before_full = await client.get(first["links"]["llms_full_txt"])
                hook.armed = True
                second = await run_job(client, site.base + "/", 16)  # more pages: a new version
                after = await client.get(first["links"]["llms_txt"])
                after_full = await client.get(first["links"]["llms_full_txt"])
                versions = (await client.get(f"/api/v1/sites/{first['site']}/versions")).json()
                hook.armed = False
                third = await run_job(client, site.base + "/", 16)
                recovered = await client.get(first["links"]["llms_txt"])
    finally:
        moto.stop()
    print(f"\n[faults] S3 put failed mid-publish ({hook.failed} attempts): job {second['status']}")
    assert first["status"] == "succeeded" and before.status_code == 200
    assert second["status"] == "failed" and "store" in second["error"], second
    assert hook.failed >= 1
    assert (after.text, after.headers["etag"]) == (before.text, before.headers["etag"])
    assert after_full.text == before_full.text and after_full.text.strip()
    assert len(versions["versions"]) == 1  # the half-written version was never recorded
    assert third["status"] == "succeeded"
    assert recovered.text != before.text and recovered.text.startswith("# Acme Docs")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for this test (root only: skipped where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Fill the file system with one file until it refuses more bytes; that file."""
    filler = disk / "filler.bin"
    block = bytes(64 * 1024)
    with filler.open("wb") as fh:
        for _ in range(1000):  # 64 MB at most: far more than the 2 MB disk
            try:
                fh.write(block)
                fh.flush()
            except OSError:
                break
    return filler


async def test_a_full_disk_is_a_clear_error_and_keeps_the_last_output(small_disk: Path) -> None:
    data = small_disk / "data"
    store = LocalStore(data)
    settings = open_settings(small_disk, store="local", data_dir=data)
    with site_server() as site:
        async with in_process(settings, store) as client:
            first = await run_job(client, site.base + "/", 8)
            before = await client.get(first["links"]["llms_txt"])
            filler = fill(small_disk)
            submitted = await client.post(
                "/api/v1/jobs", json={"url": site.base + "/", "maxPages": 16}
            )
            outcome: dict[str, Any] = {"status_code": submitted.status_code}
            if submitted.status_code == 202:
                outcome["job"] = await run_job_by_id(client, submitted.json()["id"])
            else:
                outcome["body"] = submitted.json()
            after = await client.get(first["links"]["llms_txt"])
            leftovers = sorted(p.name for p in (data / "sites").rglob(".tmp-*"))
            filler.unlink()
            third = await run_job(client, site.base + "/", 16)
            recovered = await client.get(first["links"]["llms_txt"])
    print(f"\n[faults] disk full: {outcome}")
    if submitted.status_code == 202:
        job = outcome["job"]
        assert job["status"] == "failed", job
        assert "space" in job["error"].lower() or "full" in job["error"].lower(), job["error"]
    else:
        assert submitted.status_code == 503
        assert outcome["body"]["error"]["code"] == "store_unavailable"
        assert (
            "full" in outcome["body"]["error"]["message"]
            or "space" in outcome["body"]["error"]["message"]
        )
    assert (after.status_code, after.text) == (200, before.text)  # the last output is intact
    assert leftovers == []  # no half-written version left behind
    assert third["status"] == "succeeded" and recovered.text != before.text


async def run_job_by_id(client: httpx2.AsyncClient, job_id: str) -> dict[str, Any]:
    """Wait for a submitted job's end (bounded)."""
    async with asyncio.timeout(120):
        while True:
            job: dict[str, Any] = (await client.get(f"/api/v1/jobs/{job_id}")).json()
            if job["status"] in FINAL:
                return job
            await asyncio.sleep(0.05)
