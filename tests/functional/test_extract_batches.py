"""Pages handed to a real worker process in batches (crawl/worker.Batcher): the same pages as
inline extraction, in the right order, one hand-off per batch, failures kept to their own page."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from llmstxt.crawl import worker
from llmstxt.crawl.worker import Batcher, unpack_page
from llmstxt.extract import extract

pytestmark = pytest.mark.functional

FIXTURES = Path(__file__).parent.parent / "fixtures" / "html"


def fixture_jobs(copies: int = 4) -> list[tuple[str, bytes]]:
    """(url, body) for every checked-in real page, each under `copies` different URLs."""
    bodies = [p.read_bytes() for p in sorted(FIXTURES.glob("*.html"))]
    return [
        (f"https://docs.example/{n}/page-{i}.html", body)
        for n in range(copies)
        for i, body in enumerate(bodies)
    ]


@pytest.fixture
def pool() -> Iterator[ProcessPoolExecutor]:
    """One forked worker, as the CLI runs it (fork after any monkeypatching in the test)."""
    executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    yield executor
    executor.shutdown(wait=True, cancel_futures=True)


async def test_batched_pages_are_the_pages_inline_extraction_gives(
    pool: ProcessPoolExecutor,
) -> None:
    jobs = fixture_jobs()
    batcher = Batcher(pool, markdown=True)
    packed = await asyncio.gather(*(batcher.extract(url, body, None) for url, body in jobs))
    navs: dict[Any, Any] = {}
    for (url, body), got in zip(jobs, packed, strict=True):
        assert unpack_page(got, navs) == extract(url, body, markdown=True), url
    # While the worker was busy the rest waited and went over together.
    assert 1 < batcher.batches < len(jobs) / 2


async def test_an_idle_worker_gets_each_page_at_once(pool: ProcessPoolExecutor) -> None:
    batcher = Batcher(pool, markdown=False)
    url, body = fixture_jobs(1)[0]
    began = time.perf_counter()
    for _ in range(5):
        await batcher.extract(url, body, None)
    assert batcher.batches == 5  # nothing waited for company
    assert time.perf_counter() - began < 5.0


async def test_batches_are_capped_in_size(pool: ProcessPoolExecutor) -> None:
    jobs = fixture_jobs()
    batcher = Batcher(pool, markdown=False, size=3)
    await asyncio.gather(*(batcher.extract(url, body, None) for url, body in jobs))
    assert batcher.batches >= len(jobs) / 3


def _fail_on_bad(url: str, body: bytes, charset: str | None, markdown: bool) -> tuple[Any, ...]:
    if "bad" in url:
        raise ValueError(f"cannot parse {url}")
    return _real_extract_packed(url, body, charset, markdown)


_real_extract_packed = worker.extract_packed


async def test_a_page_that_fails_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "extract_packed", _fail_on_bad)  # the fork below inherits it
    executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    try:
        batcher = Batcher(executor, markdown=False)
        jobs = fixture_jobs(2)
        jobs[5] = ("https://docs.example/bad.html", jobs[5][1])
        tasks = [asyncio.ensure_future(batcher.extract(u, b, None)) for u, b in jobs]
        await asyncio.wait(tasks)
    finally:
        executor.shutdown(wait=True)
    with pytest.raises(ValueError, match=r"bad\.html"):
        tasks[5].result()  # raised, not handed back as a value
    assert all(isinstance(t.result(), tuple) for i, t in enumerate(tasks) if i != 5)
    assert batcher.batches < len(jobs)  # the failure shared its batch with good pages


def _slow(url: str, body: bytes, charset: str | None, markdown: bool) -> tuple[Any, ...]:
    time.sleep(30)
    raise AssertionError("the worker should have been killed")


async def test_a_worker_killed_mid_batch_fails_its_pages_and_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "extract_packed", _slow)
    executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    try:
        batcher = Batcher(executor, markdown=False)
        jobs = fixture_jobs(1)[:6]
        waiting = [asyncio.ensure_future(batcher.extract(u, b, None)) for u, b in jobs]
        await asyncio.sleep(0.5)  # the first page is in the worker, the rest wait here
        for pid in list(executor._processes):
            os.kill(pid, signal.SIGKILL)
        results = await asyncio.wait_for(
            asyncio.gather(*waiting, return_exceptions=True), timeout=20
        )
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    assert all(isinstance(r, BrokenProcessPool) for r in results), results


async def test_a_shut_down_pool_fails_the_page_instead_of_hanging() -> None:
    executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    executor.shutdown(wait=True)
    batcher = Batcher(executor, markdown=False)
    url, body = fixture_jobs(1)[0]
    with pytest.raises(RuntimeError, match="shutdown"):
        await asyncio.wait_for(batcher.extract(url, body, None), timeout=10)


async def test_a_cancelled_page_does_not_disturb_its_batch(pool: ProcessPoolExecutor) -> None:
    batcher = Batcher(pool, markdown=False)
    jobs = fixture_jobs()
    tasks = [asyncio.ensure_future(batcher.extract(u, b, None)) for u, b in jobs]
    await asyncio.sleep(0)
    tasks[-1].cancel()  # waiting here in a later batch
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[-1], asyncio.CancelledError)
    assert all(isinstance(r, tuple) for r in results[:-1])
