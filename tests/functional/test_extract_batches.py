"""Pages handed to real forked worker processes in batches (crawl/worker.py): the same pages as
inline extraction, in order, one hand-off per batch; a failure stays with its page, a dead worker
with its batch, and the crawl goes on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from llmstxt.config import CrawlConfig
from llmstxt.crawl import worker
from llmstxt.crawl.worker import Batcher, WorkerLost, Workers, unpack_page
from llmstxt.extract import extract
from llmstxt.pipeline import generate
from tests.sites.model import SiteSpec
from tests.sites.serve import BackgroundServer
from tests.sites.testsite import TestSite

pytestmark = pytest.mark.functional

FIXTURES = Path(__file__).parent.parent / "fixtures" / "html"
_real_extract_packed = worker.extract_packed


def fixture_jobs(copies: int = 4) -> list[tuple[str, bytes]]:
    """(url, body) for every checked-in real page, each under `copies` different URLs."""
    bodies = [p.read_bytes() for p in sorted(FIXTURES.glob("*.html"))]
    return [
        (f"https://docs.example/{n}/page-{i}.html", body)
        for n in range(copies)
        for i, body in enumerate(bodies)
    ]


async def extract_all(batcher: Batcher, jobs: list[tuple[str, bytes]]) -> list[asyncio.Task[Any]]:
    """Every job at once, as the crawl's fetch workers hand them over; the finished tasks."""
    tasks = [asyncio.ensure_future(batcher.extract(url, body, None)) for url, body in jobs]
    await asyncio.wait(tasks)
    return tasks


async def test_batched_pages_are_the_pages_inline_extraction_gives() -> None:
    jobs = fixture_jobs()
    threads = set(threading.enumerate())  # (other tests' servers may still be winding down)
    async with Workers(1) as workers:
        batcher = Batcher(workers, markdown=True)
        tasks = await extract_all(batcher, jobs)
        # No thread helps: the event loop writes and reads the worker's socket itself.
        assert set(threading.enumerate()) <= threads
    navs: dict[Any, Any] = {}
    for (url, body), task in zip(jobs, tasks, strict=True):
        assert unpack_page(task.result(), navs) == extract(url, body, markdown=True), url
    # While the worker was busy the rest waited and went over together.
    assert 1 < batcher.batches < len(jobs) / 2


async def test_an_idle_worker_gets_each_page_at_once() -> None:
    url, body = fixture_jobs(1)[0]
    async with Workers(1) as workers:
        batcher = Batcher(workers, markdown=False)
        for _ in range(5):
            await batcher.extract(url, body, None)
    assert batcher.batches == 5  # nothing waited for company


async def test_batches_are_capped_in_size_and_spread_over_workers() -> None:
    jobs = fixture_jobs()
    async with Workers(2) as workers:
        batcher = Batcher(workers, markdown=False, size=3)
        tasks = await extract_all(batcher, jobs)
        pids = {p.pid for p in workers.processes}
    assert all(isinstance(t.result(), tuple) for t in tasks)
    assert batcher.batches >= len(jobs) / 3
    assert len(pids) == 2 and os.getpid() not in pids


async def test_the_workers_exit_with_the_crawl() -> None:
    async with Workers(2) as workers:
        processes = [p._process for p in workers.processes]
        assert all(p is not None and p.is_alive() for p in processes)
    assert all(p is not None and p.exitcode == 0 for p in processes)


def _fail_on_bad(url: str, body: bytes, charset: str | None, markdown: bool) -> tuple[Any, ...]:
    if "bad" in url:
        raise ValueError(f"cannot parse {url}")
    if "odd" in url:
        raise _Unpicklable()
    return _real_extract_packed(url, body, charset, markdown)


class _Unpicklable(Exception):
    def __reduce__(self) -> Any:
        raise TypeError("not picklable")


async def test_a_page_that_fails_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "extract_packed", _fail_on_bad)  # the fork below inherits it
    jobs = fixture_jobs(2)
    jobs[5] = ("https://docs.example/bad.html", jobs[5][1])
    jobs[9] = ("https://docs.example/odd.html", jobs[9][1])
    async with Workers(1) as workers:
        batcher = Batcher(workers, markdown=False)
        tasks = await extract_all(batcher, jobs)
    with pytest.raises(ValueError, match=r"bad\.html"):
        tasks[5].result()  # raised, not handed back as a value
    with pytest.raises(RuntimeError, match="_Unpicklable"):
        tasks[9].result()  # named, since it could not cross as itself
    assert all(isinstance(t.result(), tuple) for i, t in enumerate(tasks) if i not in (5, 9))
    assert batcher.batches < len(jobs)  # the failures shared batches with good pages


def _die_on_crash(url: str, body: bytes, charset: str | None, markdown: bool) -> tuple[Any, ...]:
    if "crash" in url:
        os._exit(9)  # as a parser segfault or the OOM killer would end it
    return _real_extract_packed(url, body, charset, markdown)


async def test_a_dead_worker_fails_its_batch_and_the_next_batch_gets_a_new_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "extract_packed", _die_on_crash)
    url, body = fixture_jobs(1)[0]
    async with Workers(1) as workers:
        batcher = Batcher(workers, markdown=False)
        first = workers.processes[0].pid
        with pytest.raises(WorkerLost, match="exit code 9"):
            await batcher.extract("https://docs.example/crash.html", body, None)
        assert isinstance(await batcher.extract(url, body, None), tuple)
        assert workers.processes[0].pid not in (None, first)


def _slow(url: str, body: bytes, charset: str | None, markdown: bool) -> tuple[Any, ...]:
    time.sleep(0.3)
    return _real_extract_packed(url, body, charset, markdown)


async def test_a_cancelled_page_does_not_disturb_its_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "extract_packed", _slow)
    jobs = fixture_jobs(1)[:4]
    async with Workers(1) as workers:
        batcher = Batcher(workers, markdown=False)
        tasks = [asyncio.ensure_future(batcher.extract(u, b, None)) for u, b in jobs]
        await asyncio.sleep(0.1)  # the first page is in the worker, the rest wait here
        tasks[-1].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[-1], asyncio.CancelledError)
    assert all(isinstance(r, tuple) for r in results[:-1])


def _crash_on_one_page(url: str, body: bytes, charset: str | None, md: bool) -> tuple[Any, ...]:
    if url.endswith("/docs/guide/"):
        os._exit(9)
    return _real_extract_packed(url, body, charset, md)


def test_a_crawl_outlives_a_worker_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(worker, "extract_packed", _crash_on_one_page)
    site = TestSite(SiteSpec(pages=60, traps=False))
    with BackgroundServer(site.app) as server:
        config = CrawlConfig(start_url=server.base + "/", full=False, extract_workers=1)
        result = asyncio.run(generate(config, tmp_path))
    crashed = [r.url for r in result.records if r.error == "extract_crashed"]
    assert server.base + "/docs/guide/" in crashed
    assert result.report["errors"].get("extract_crashed") == len(crashed)
    # Only the crashing page's batch is lost; the rest of the site is kept.
    assert result.report["pages"]["kept"] >= len(site.site.expected_kept()) - len(crashed)
    assert f"({server.base}/docs/guide/)" not in result.llms_txt


_HOLD_WORKERS = """
import asyncio, sys
from llmstxt.crawl.worker import Workers
async def main():
    async with Workers(2) as workers:
        print(*(p.pid for p in workers.processes), flush=True)
        await asyncio.sleep(60)
asyncio.run(main())
"""


def test_workers_do_not_outlive_a_killed_crawl() -> None:
    # kill -9 leaves no chance to say goodbye: each worker must still see the end of its input,
    # which a sibling forked later would hold open unless it closed its copy of the crawl's end.
    with subprocess.Popen([sys.executable, "-c", _HOLD_WORKERS], stdout=subprocess.PIPE) as crawl:
        assert crawl.stdout is not None
        pids = [int(p) for p in crawl.stdout.readline().split()]
        assert len(pids) == 2 and all(psutil.pid_exists(p) for p in pids)
        crawl.kill()
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in pids if _running(p)]
        time.sleep(0.05)
    assert not alive, f"extraction processes {alive} outlived their crawl"


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _stuck(url: str, body: bytes, charset: str | None, markdown: bool) -> tuple[Any, ...]:
    time.sleep(60)
    raise AssertionError("the worker should have been stopped")


async def test_a_stuck_worker_is_killed_when_the_crawl_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "extract_packed", _stuck)
    url, body = fixture_jobs(1)[0]
    workers = await Workers(1).__aenter__()
    process = workers.processes[0]
    page = asyncio.ensure_future(Batcher(workers, markdown=False).extract(url, body, None))
    await asyncio.sleep(0.2)  # the page is in the worker now
    began = time.monotonic()
    assert await process.stop() == -9  # it had 2 s to finish; then it was killed
    assert 1.5 < time.monotonic() - began < 10
    with pytest.raises(WorkerLost):
        await page
