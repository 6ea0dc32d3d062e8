"""Extraction in a worker process: pages go over in batches and come back as plain tuples, rebuilt
on the crawl's side."""

from __future__ import annotations

import asyncio
import dataclasses
from concurrent.futures import Executor
from functools import partial
from typing import Any

from llmstxt.extract import extract
from llmstxt.models import NavItem, Page

_PackedNav = tuple[tuple[str, str, tuple[str, ...]], ...]


def extract_packed(url: str, body: bytes, charset: str | None, markdown: bool) -> tuple[Any, ...]:
    """extract() for a worker process, as plain tuples: pickling slotted dataclasses one nav item
    at a time cost more than the parse itself."""
    page = extract(url, body, encoding=charset, markdown=markdown)
    nav = tuple((i.title, i.url, i.path) for i in page.nav)
    return tuple(getattr(page, f) if f != "nav" else nav for f in _PAGE_FIELDS)


def unpack_page(packed: tuple[Any, ...], navs: dict[_PackedNav, tuple[NavItem, ...]]) -> Page:
    """The Page a worker packed; pages with the same nav share one tuple of NavItems."""
    fields = dict(zip(_PAGE_FIELDS, packed, strict=True))
    nav = fields["nav"]
    if nav not in navs:
        navs[nav] = tuple(NavItem(t, u, p) for t, u, p in nav)
    fields["nav"] = navs[nav]
    return Page(**fields)


_PAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Page))


def extract_batch(
    jobs: list[tuple[str, bytes, str | None]], markdown: bool
) -> list[tuple[bool, Any]]:
    """extract_packed() for each job, in the worker: (True, packed) or (False, the exception)."""
    results: list[tuple[bool, Any]] = []
    for url, body, charset in jobs:
        try:
            results.append((True, extract_packed(url, body, charset, markdown)))
        except Exception as exc:  # one bad page fails alone, not the pages batched with it
            results.append((False, exc))
    return results


class Batcher:
    """Hands pages to the worker processes in batches.

    Each hand-off to a process pool costs the event loop's process far more than pickling the page:
    the pool's own threads wake, take the GIL and pass the task along. So while the workers are busy,
    pages wait here and go over together: one hand-off per batch. An idle worker gets a page at once,
    so a quiet crawl sees no delay.
    """

    def __init__(
        self, executor: Executor, markdown: bool, in_flight: int = 1, size: int = 32
    ) -> None:
        self.executor = executor
        self.markdown = markdown
        self.in_flight = max(in_flight, 1)  # batches handed over and not yet back
        self.size = size  # most pages in one batch
        self.batches = 0  # handed over so far (for the report's curious reader and the tests)
        self._busy = 0
        self._pending: list[tuple[tuple[str, bytes, str | None], asyncio.Future[Any]]] = []

    async def extract(self, url: str, body: bytes, charset: str | None) -> tuple[Any, ...]:
        """The packed page (see extract_packed), extracted by a worker process."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append(((url, body, charset), future))
        self._hand_over()
        return await future  # type: ignore[no-any-return]

    def _hand_over(self) -> None:
        """Send what is waiting, while fewer than in_flight batches are out."""
        while self._pending and self._busy < self.in_flight:
            batch, self._pending = self._pending[: self.size], self._pending[self.size :]
            jobs = [job for job, _ in batch]
            futures = [future for _, future in batch]
            self._busy += 1
            self.batches += 1
            try:
                done = asyncio.wrap_future(self.executor.submit(extract_batch, jobs, self.markdown))
            except Exception as exc:  # a broken or shut-down pool: every page of the batch fails
                self._busy -= 1
                _fail(futures, exc)
                continue
            done.add_done_callback(partial(self._returned, futures))

    def _returned(self, futures: list[asyncio.Future[Any]], done: asyncio.Future[Any]) -> None:
        """A batch is back: settle each page's future, then send what waited meanwhile."""
        self._busy -= 1
        if done.cancelled():
            for future in futures:
                future.cancel()
        elif (exc := done.exception()) is not None:
            _fail(futures, exc)
        else:
            for future, (ok, value) in zip(futures, done.result(), strict=True):
                if future.done():
                    continue  # its page was cancelled (the crawl stopped)
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        self._hand_over()


def _fail(futures: list[asyncio.Future[Any]], exc: BaseException) -> None:
    for future in futures:
        if not future.done():
            future.set_exception(exc)
