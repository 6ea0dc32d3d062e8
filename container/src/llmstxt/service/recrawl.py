"""Scheduled recrawls: claim due sites under a lease, run each as a job, release with the next time.

Each due site runs as a job through the job runner, which recrawls incrementally from the site's
saved crawl state (conditional GETs). Leases make two triggers, or two service processes sharing
one store, split the due sites instead of crawling one twice; a lease left by a dead process expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

from llmstxt.errors import StoreError
from llmstxt.service.jobs import JobRequest, JobRunner, LiveJob, QueueFull
from llmstxt.service.logs import logger
from llmstxt.store import SiteRecord, Store

MAX_BACKOFF_MINUTES = 7 * 24 * 60


def next_after_failure(site: SiteRecord, now: float) -> tuple[int, float]:
    """Consecutive failures and the next crawl time: the interval doubled per failure, capped."""
    failures = site.failures + 1
    minutes = min(site.interval_minutes * 2 ** min(failures, 10), MAX_BACKOFF_MINUTES)
    return failures, now + minutes * 60


class Recrawler:
    """Works through due sites in the background, claiming more as crawl slots free up."""

    def __init__(self, runner: JobRunner, store: Store) -> None:
        self.runner = runner
        self.store = store
        self.owner = f"service-{uuid.uuid4().hex[:12]}"
        self._loop: asyncio.Task[None] | None = None
        self._active: list[LiveJob] = []
        self._tasks: set[asyncio.Task[None]] = set()  # strong references until they end

    async def trigger(self, links_base: str) -> dict[str, Any]:
        """Claim what fits now, start the background loop if idle; `{claimed, due}`."""
        now = time.time()
        due = sum(1 for s in await self.store.list_sites() if _is_due(s, now))
        claimed = await self._claim_and_start(links_base)
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._work(links_base))
        return {"claimed": len(claimed), "due": due}

    async def stop(self) -> None:
        """Stop claiming (running jobs are the runner's to stop)."""
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)

    async def _claim_and_start(self, links_base: str) -> list[LiveJob]:
        """Lease up to one site per free slot and submit a job for each."""
        limit = self.runner.free_slots
        if limit == 0:
            return []
        lease = self.runner.settings.lease_seconds
        sites = await self.store.claim_due(time.time(), self.owner, lease, limit)
        started = []
        for site in sites:
            live = await self._start(site, links_base)
            if live is not None:
                started.append(live)
        return started

    async def _start(self, site: SiteRecord, links_base: str) -> LiveJob | None:
        """Submit a job for a leased site; on a full queue give the lease back."""
        request = JobRequest(
            url=site.base_url,
            site=site.site,
            max_pages=site.max_pages,
            full=site.full,
            links_base=links_base,
        )
        try:
            record = await self.runner.submit(request)
        except QueueFull:
            await self.store.release(site.site, self.owner)
            return None
        live = self.runner.live(record.id)
        assert live is not None
        task = asyncio.create_task(self._release_when_done(site, live))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._active.append(live)
        return live

    async def _release_when_done(self, site: SiteRecord, live: LiveJob) -> None:
        """Give the lease back with the outcome once the job ends."""
        await live.done.wait()
        now = time.time()
        if live.record.status == "interrupted":
            fields: dict[str, Any] = {}  # the service stopped: due again for whoever runs next
        elif live.record.status == "succeeded":
            fields = {"next_crawl_at": now + site.interval_minutes * 60}
        else:
            failures, next_at = next_after_failure(site, now)
            fields = {
                "failures": failures,
                "next_crawl_at": next_at,
                "last_status": "failed",
                "last_error": live.record.error,
                "last_crawl_at": now,
            }
        with contextlib.suppress(StoreError):  # at shutdown the store may already be closed
            await self.store.release(site.site, self.owner, **fields)
        logger.info(
            "recrawl finished",
            extra={"site": site.site, "job_id": live.record.id, "status": live.record.status},
        )

    async def _work(self, links_base: str) -> None:
        """Keep claiming as jobs finish, until nothing more is due."""
        while self._active:
            waits = [asyncio.ensure_future(j.done.wait()) for j in self._active]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:
                    wait.cancel()
            self._active = [j for j in self._active if not j.finished]
            await self._claim_and_start(links_base)


def _is_due(site: SiteRecord, now: float) -> bool:
    """True for an auto-update site whose next crawl time has come."""
    return site.auto_update and site.next_crawl_at is not None and site.next_crawl_at <= now
