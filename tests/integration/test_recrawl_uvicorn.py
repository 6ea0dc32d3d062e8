"""Scheduled recrawls end to end under real uvicorn: the Lambda's trigger, racing triggers, a crash."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests` is imported as a package from the repository root
    sys.path.insert(0, str(ROOT))

from llmstxt.service.routes.internal import sign  # noqa: E402
from llmstxt.store.local import LocalStore  # noqa: E402
from tests.integration.test_recrawl_lambda import (  # noqa: E402
    EVENT,
    SECRET,
    LambdaContext,
    recrawl_handler,
)
from tests.integration.test_uvicorn_support import ServiceProcess  # noqa: E402
from tests.sites.model import SiteSpec  # noqa: E402
from tests.sites.serve import BackgroundServer  # noqa: E402
from tests.sites.testsite import TestSite  # noqa: E402

FINAL = {"succeeded", "failed", "cancelled", "interrupted"}


class Site:
    """A small generated site on loopback, with its request log."""

    def __init__(self, stack: ExitStack, pages: int = 20, latency_ms: float = 0) -> None:
        self.site = TestSite(SiteSpec(pages=pages, traps=False, latency_ms=latency_ms))
        self.base = stack.enter_context(BackgroundServer(self.site.app)).base

    def robots_hits(self, since: float) -> int:
        """robots.txt requests since `since` (time.monotonic): one per crawl."""
        return sum(1 for h in self.site.log if h.path == "/robots.txt" and h.at >= since)


def enroll(service: str, url: str) -> str:
    """A first job with auto-update on; the site key once it succeeded."""
    body = {"url": url + "/", "maxPages": 100, "enableAutoUpdate": True}
    job = httpx2.post(service + "/api/v1/jobs", json=body, timeout=30).json()
    assert wait_job(service, job["id"])["status"] == "succeeded"
    return str(job["site"])


def wait_job(service: str, job_id: str) -> dict[str, Any]:
    """Poll a job until it finishes; its last view."""
    while True:
        job: dict[str, Any] = httpx2.get(f"{service}/api/v1/jobs/{job_id}", timeout=30).json()
        if job["status"] in FINAL:
            return job
        time.sleep(0.05)


def make_due(service: str, site: str, url: str) -> None:
    """Mark the site due now through its signed change webhook."""
    secret = httpx2.get(f"{service}/api/v1/sites/{site}", timeout=30).json()["webhook_secret"]
    body = json.dumps({"base_url": url + "/"}).encode()
    headers = {"X-Llmstxt-Signature": sign(secret, body)}
    answer = httpx2.post(f"{service}/internal/hooks/site-changed", content=body, headers=headers)
    assert answer.status_code == 202, answer.text


def jobs_of(service: str, site: str) -> list[dict[str, Any]]:
    """The site's jobs, newest first."""
    jobs: list[dict[str, Any]] = httpx2.get(
        f"{service}/api/v1/jobs", params={"site": site}, timeout=30
    ).json()["jobs"]
    return jobs


def wait_recrawled(service: str, sites: list[str], since: float) -> None:
    """Wait until every site was crawled after `since` (epoch) and holds no lease."""
    while True:
        views = [httpx2.get(f"{service}/api/v1/sites/{s}", timeout=30).json() for s in sites]
        if all((v["last_crawl_at"] or 0) > since for v in views) and not any(
            store_site(service, s).lease_owner for s in sites
        ):
            return
        time.sleep(0.1)


_DATA: dict[str, Path] = {}  # service base URL -> its data folder, for reading its store


def store_site(service: str, site: str) -> Any:
    """The site's record as the service's local store holds it (leases included)."""

    async def read() -> Any:
        store = LocalStore(_DATA[service])
        try:
            return await store.get_site(site)
        finally:
            await store.close()

    return asyncio.run(read())


def start_service(stack: ExitStack, data: Path, log: Path, **settings: str) -> ServiceProcess:
    """A service process (cron secret set, loopback crawls allowed) sharing the store in data."""
    process = ServiceProcess(data, log, cron_secret=SECRET, **settings)
    stack.enter_context(process)
    _DATA[process.base] = data
    return process


def trigger(service: str) -> dict[str, Any]:
    """POST the cron trigger as the Lambda does; its 202 answer."""
    answer = httpx2.post(
        service + "/internal/cron/recrawl", headers={"X-Cron-Secret": SECRET}, timeout=30
    )
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture
def handler(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The real handler module, its cron secret in Secrets Manager on moto."""
    with recrawl_handler(monkeypatch, request_timeout=10) as module:
        yield module


def test_the_lambda_handler_makes_the_real_service_recrawl_a_due_site(
    handler: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with ExitStack() as stack:
        site = Site(stack)
        service = start_service(stack, tmp_path / "data", tmp_path / "service.log").base
        key = enroll(service, site.base)
        make_due(service, key, site.base)
        monkeypatch.setenv("SERVICE_URL", service)
        since, began = time.time(), time.monotonic()
        answer = handler.lambda_handler(EVENT, LambdaContext())
        wait_recrawled(service, [key], since)
        view = httpx2.get(f"{service}/api/v1/sites/{key}").json()
        jobs = jobs_of(service, key)
        robots = site.robots_hits(began)
    capsys.readouterr()  # the handler's metrics blob
    assert answer == {"claimed": 1, "due": 1}
    assert [j["status"] for j in jobs] == ["succeeded", "succeeded"]
    assert robots == 1  # the site was crawled again, once
    assert view["last_status"] == "unchanged" and view["next_crawl_at"] >= since + 360 * 60


def test_racing_triggers_on_two_services_crawl_each_due_site_once(tmp_path: Path) -> None:
    with ExitStack() as stack:
        sites = [Site(stack, pages=12, latency_ms=20) for _ in range(4)]
        data, settings = tmp_path / "data", {"max_concurrent_jobs": "1"}
        one = start_service(stack, data, tmp_path / "one.log", **settings)
        two = start_service(stack, data, tmp_path / "two.log", **settings)
        keys = [enroll(one.base, s.base) for s in sites]
        for key, site in zip(keys, sites, strict=True):
            make_due(one.base, key, site.base)
        since, began = time.time(), time.monotonic()

        async def race() -> list[httpx2.Response]:
            async with httpx2.AsyncClient(headers={"X-Cron-Secret": SECRET}, timeout=30) as c:
                posts = [c.post(s.base + "/internal/cron/recrawl") for s in (one, two) * 3]
                return await asyncio.gather(*posts)

        answers = asyncio.run(race())
        wait_recrawled(one.base, keys, since)
        recrawls = [[j for j in jobs_of(one.base, k) if j["created_at"] >= since] for k in keys]
        robots = [s.robots_hits(began) for s in sites]
        finished = [
            [r for r in p.log_records() if r.get("message") == "recrawl finished"]
            for p in (one, two)
        ]
    assert all(a.status_code == 202 for a in answers)
    assert sum(a.json()["claimed"] for a in answers) <= 4
    assert [len(r) for r in recrawls] == [1, 1, 1, 1]  # one job per site, no more
    assert all(r[0]["status"] == "succeeded" for r in recrawls)
    assert robots == [1, 1, 1, 1]  # and each site saw one crawl
    assert all(finished) and sum(len(f) for f in finished) == 4  # both services took part


def test_a_service_killed_mid_recrawl_leaves_a_lease_that_expires_and_the_next_trigger_finishes(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with ExitStack() as stack:
        site = Site(stack, pages=30)
        first = start_service(stack, data, tmp_path / "first.log", lease_seconds="3")
        key = enroll(first.base, site.base)
        good = httpx2.get(f"{first.base}/sites/{key}/llms.txt").content
        changed = site.site.site.revise(2)
        site.site.spec.latency_ms = 400  # slow enough to be caught mid-crawl
        make_due(first.base, key, site.base)
        asked = site.site.hits["/robots.txt"]
        assert trigger(first.base) == {"claimed": 1, "due": 1}
        while site.site.hits["/robots.txt"] == asked:  # counted on arrival: the crawl is on
            time.sleep(0.01)
        killed_job = jobs_of(first.base, key)[0]
        first.kill()
        killed_at = time.time()
        site.site.spec.latency_ms = 0
        second = start_service(stack, data, tmp_path / "second.log", lease_seconds="3")
        after_restart = jobs_of(second.base, key)
        served = httpx2.get(f"{second.base}/sites/{key}/llms.txt").content
        held = store_site(second.base, key)
        answers = [trigger(second.base)]
        while answers[-1]["claimed"] == 0:  # the dead service's lease holds until it expires
            time.sleep(0.2)
            answers.append(trigger(second.base))
        claimed_at = time.time()
        wait_recrawled(second.base, [key], killed_at)
        jobs = jobs_of(second.base, key)
        versions = httpx2.get(f"{second.base}/api/v1/sites/{key}/versions").json()["versions"]
        now_served = httpx2.get(f"{second.base}/sites/{key}/llms.txt").text
    assert killed_job["status"] == "running"
    assert (
        after_restart[0]["id"] == killed_job["id"] and after_restart[0]["status"] == "interrupted"
    )
    assert served == good  # the last good version is intact
    assert held is not None and held.lease_owner and held.lease_until is not None
    assert claimed_at >= held.lease_until  # never claimed again while the lease held
    assert [j["status"] for j in jobs] == ["succeeded", "interrupted", "succeeded"]
    assert len(versions) == 2  # the finished recrawl published the change
    for path in changed:
        assert f"{site.site.site.pages[path].title} now covers the new options" in now_served
