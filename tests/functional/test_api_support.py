"""Helpers for the API tests: service settings for loopback crawls, an in-process client, polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx2

from llmstxt.service.app import create_app
from llmstxt.service.settings import Settings
from tests.sites.model import SiteSpec
from tests.sites.serve import BackgroundServer
from tests.sites.testsite import TestSite

API_KEY = "functional-test-key"
FINAL = {"succeeded", "failed", "cancelled", "interrupted"}


def service_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test service: local store under tmp_path, one key, loopback crawls allowed."""
    values: dict[str, Any] = {
        "store": "local",
        "data_dir": tmp_path / "data",
        "api_keys": (API_KEY,),
        "allowed_cidrs": ("127.0.0.0/8",),
        "allow_private_networks": False,
        "max_concurrent_jobs": 2,
        "max_queued_jobs": 4,
        "extract_workers": 0,
        "crawl_concurrency": 4,
    }
    return Settings(**(values | overrides))


@asynccontextmanager
async def api_client(
    settings: Settings, *, key: str | None = API_KEY
) -> AsyncIterator[httpx2.AsyncClient]:
    """A client talking to a fresh app in-process, with the app's startup and shutdown run."""
    app = create_app(settings)
    headers = {"X-API-Key": key} if key else {}
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://testserver", headers=headers
        ) as client,
    ):
        yield client


@contextmanager
def served_site(**spec: Any) -> Iterator[str]:
    """A generated documentation site on a loopback port; its base URL."""
    site = TestSite(SiteSpec(**({"pages": 24, "traps": False} | spec)))
    with BackgroundServer(site.app) as server:
        yield server.base


async def wait_for_job(
    client: httpx2.AsyncClient, job_id: str, statuses: set[str] = FINAL, timeout: float = 120
) -> dict[str, Any]:
    """Poll a job until its status is one of statuses; its last view."""
    async with asyncio.timeout(timeout):
        while True:
            response = await client.get(f"/api/v1/jobs/{job_id}")
            assert response.status_code == 200, response.text
            job: dict[str, Any] = response.json()
            if job["status"] in statuses:
                return job
            await asyncio.sleep(0.05)


async def generate(client: httpx2.AsyncClient, url: str, **body: Any) -> dict[str, Any]:
    """Submit a job for url and wait until it finishes; its final view."""
    response = await client.post("/api/v1/jobs", json={"url": url, "maxPages": 50} | body)
    assert response.status_code == 202, response.text
    return await wait_for_job(client, response.json()["id"])
