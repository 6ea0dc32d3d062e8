"""The in-process job runner: a bounded pool of crawls, a bounded queue, progress fanned out live."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

from llmstxt.config import CrawlConfig
from llmstxt.crawl.state import CrawlState, dump_state
from llmstxt.errors import BlockedAddress, CrawlError, InputError, LlmstxtError, StoreError
from llmstxt.pipeline import crawl_and_compose
from llmstxt.progress import Progress
from llmstxt.service.logs import JobLog
from llmstxt.service.settings import Settings
from llmstxt.spool import MarkdownSpool
from llmstxt.store import JobRecord, SiteRecord, Store
from llmstxt.store.base import DEFAULT_INTERVAL_MINUTES, sha256_text

Event = dict[str, Any]
FINISHED = ("succeeded", "failed", "cancelled", "interrupted")
SUBSCRIBER_BACKLOG = 500  # events a slow subscriber may fall behind before old ones are dropped
LOG_BACKLOG = 200  # log lines a late subscriber is replayed
KEEP_FINISHED = 256  # finished jobs kept in memory for late subscribers


class QueueFull(Exception):
    """Every crawl slot and every queue place is taken."""


@dataclass(frozen=True, slots=True)
class JobRequest:
    """A validated request to generate a site's files."""

    url: str  # canonical start URL
    site: str
    max_pages: int
    full: bool = True
    auto_update: bool | None = None  # None: keep the site's current enrollment
    interval_minutes: int | None = None
    links_base: str = ""  # where hosted files are served, e.g. https://llmstxt.example.com


def hosted_path(site: str, name: str = "llms.txt") -> str:
    """The path a site's published file is served at."""
    return f"/sites/{site}/{name}"


def job_links(job: JobRecord, base: str, full: bool) -> dict[str, str]:
    """The links of a job: itself, its events, and the hosted files once it succeeded."""
    links = {
        "self": f"{base}/api/v1/jobs/{job.id}",
        "events": f"{base}/api/v1/jobs/{job.id}/events",
        "site": f"{base}/api/v1/sites/{job.site}",
    }
    if job.status == "succeeded":
        links["llms_txt"] = base + hosted_path(job.site)
        if full:
            links["llms_full_txt"] = base + hosted_path(job.site, "llms-full.txt")
    return links


@dataclass
class LiveJob:
    """A job this process runs: its latest record, progress, recent log and subscribers."""

    record: JobRecord
    request: JobRequest
    progress: dict[str, Any] = field(default_factory=dict)
    logs: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_BACKLOG))
    result: str | None = None
    subscribers: set[asyncio.Queue[Event | None]] = field(default_factory=set)
    task: asyncio.Task[None] | None = None
    log: JobLog | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def finished(self) -> bool:
        """True once the job reached a final status."""
        return self.record.status in FINISHED

    def publish(self, event: Event) -> None:
        """Send an event to every subscriber, dropping a lagging one's oldest events."""
        if event["type"] == "log":
            self.logs.append(str(event["content"]))
        for queue in self.subscribers:
            _put_latest(queue, event)

    def snapshot(self) -> list[Event]:
        """What a subscriber who joins now is sent first: the state so far."""
        events: list[Event] = [{"type": "status", "content": self.record.status}]
        events += [{"type": "log", "content": line} for line in self.logs]
        if self.progress:
            events.append({"type": "progress", "content": self.progress})
        return events + self.final_events()

    def final_events(self) -> list[Event]:
        """The closing events of a finished job (result and hosted URL, or the error)."""
        status = self.record.status
        if status == "succeeded":
            base = self.request.links_base
            return [
                {"type": "result", "content": self.result or ""},
                {"type": "url", "content": base + hosted_path(self.record.site)},
            ]
        if status in FINISHED:
            return [{"type": "error", "content": self.record.error or status}]
        return []


def _put_latest(queue: asyncio.Queue[Event | None], event: Event | None) -> None:
    """Put without blocking; when the queue is full, drop its oldest event first."""
    while True:
        try:
            queue.put_nowait(event)
            return
        except asyncio.QueueFull:
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()


ClientFactory = Callable[[CrawlConfig], httpx2.AsyncClient | None]


class JobRunner:
    """Runs jobs on a fixed number of worker tasks fed by a bounded queue; state goes to the store."""

    def __init__(
        self, store: Store, settings: Settings, client_factory: ClientFactory | None = None
    ) -> None:
        self.store = store
        self.settings = settings
        self._client_factory = client_factory
        self._queue: asyncio.Queue[LiveJob] = asyncio.Queue()
        self._jobs: OrderedDict[str, LiveJob] = OrderedDict()
        self._workers: list[asyncio.Task[None]] = []
        self._pending = 0  # queued + running

    async def start(self) -> int:
        """Mark jobs a previous process left unfinished as interrupted, start workers; how many."""
        interrupted = await self.store.interrupt_unfinished()
        self._workers = [
            asyncio.create_task(self._worker(), name=f"llmstxt-worker-{i}")
            for i in range(self.settings.max_concurrent_jobs)
        ]
        return interrupted

    async def stop(self) -> None:
        """Cancel running jobs and stop the workers; their jobs end `interrupted`."""
        for live in list(self._jobs.values()):
            if not live.finished:
                await self._finish(live, "interrupted", error="the service stopped")
                if live.task is not None:
                    live.task.cancel()
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    @property
    def capacity(self) -> int:
        """How many jobs may be running or waiting at once."""
        return self.settings.max_concurrent_jobs + self.settings.max_queued_jobs

    @property
    def free_slots(self) -> int:
        """Crawls that could start now without queueing."""
        return max(0, self.settings.max_concurrent_jobs - self._pending)

    async def submit(self, request: JobRequest) -> JobRecord:
        """Queue a job, or raise QueueFull; the stored record."""
        if self._pending >= self.capacity:
            raise QueueFull
        self._pending += 1
        params = {
            "max_pages": request.max_pages,
            "full": request.full,
            "auto_update": request.auto_update,
            "interval_minutes": request.interval_minutes,
        }
        try:
            record = await self.store.create_job(
                JobRecord(site=request.site, url=request.url, params=params)
            )
        except BaseException:
            self._pending -= 1
            raise
        live = LiveJob(record, request, log=JobLog(record.id, record.site))
        self._remember(live)
        live.log.info("job queued", url=request.url)  # type: ignore[union-attr]
        self._queue.put_nowait(live)
        return record

    def _remember(self, live: LiveJob) -> None:
        """Keep a job in memory, forgetting the oldest finished ones past the limit."""
        self._jobs[live.record.id] = live
        finished = [k for k, v in self._jobs.items() if v.finished]
        for key in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[key]

    def live(self, job_id: str) -> LiveJob | None:
        """The in-memory job, or None when this process does not know it."""
        return self._jobs.get(job_id)

    async def get(self, job_id: str) -> JobRecord | None:
        """The job's latest record, live counters included."""
        live = self._jobs.get(job_id)
        return live.record if live is not None else await self.store.get_job(job_id)

    async def cancel(self, job_id: str) -> JobRecord | None:
        """Cancel a queued or running job; the record (unchanged if already finished), or None."""
        live = self._jobs.get(job_id)
        if live is None:
            return await self.store.get_job(job_id)
        if not live.finished:
            task = live.task
            await self._finish(live, "cancelled", error="cancelled by request")
            if task is not None:
                task.cancel()
        return live.record

    async def events(self, job_id: str) -> AsyncIterator[Event]:
        """The job's events: the state so far, then live events until it finishes."""
        live = self._jobs.get(job_id)
        if live is None:
            return
        queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=SUBSCRIBER_BACKLOG)
        # Snapshot and subscription happen with no await between, so no event falls in a gap.
        first = live.snapshot()
        if live.finished:
            for event in first:
                yield event
            return
        live.subscribers.add(queue)
        try:
            for event in first:
                yield event
            while (update := await queue.get()) is not None:
                yield update
        finally:
            live.subscribers.discard(queue)

    async def _worker(self) -> None:
        """Take jobs off the queue one at a time, each in its own task so it can be cancelled."""
        while True:
            live = await self._queue.get()
            try:
                if not live.finished:
                    live.task = asyncio.create_task(self._run(live))
                    await asyncio.wait([live.task])
            finally:
                self._pending -= 1
                self._queue.task_done()

    async def _run(self, live: LiveJob) -> None:
        """Run one job from start to a final status; never raises."""
        log = live.log or JobLog(live.record.id, live.record.site)
        try:
            # inside the try: a store that fails here must fail the job, not leave it running
            await self._set(live, status="running", started_at=time.time())
            live.publish({"type": "log", "content": f"Crawling {live.request.url}"})
            log.info("job started", url=live.request.url)
            await self._generate(live)
        except asyncio.CancelledError:
            if not live.finished:
                await self._finish(live, "cancelled", error="cancelled")
            log.info("job cancelled")
        except (InputError, CrawlError, BlockedAddress, StoreError) as exc:
            log.warning("job failed", error=str(exc), kind=type(exc).__name__)
            await self._finish(live, "failed", error=str(exc))
        except Exception as exc:
            log.error("job crashed", error=repr(exc), kind=type(exc).__name__)
            message = str(exc) if isinstance(exc, LlmstxtError) else "internal error"
            await self._finish(live, "failed", error=message)

    def crawl_config(self, request: JobRequest) -> CrawlConfig:
        """The crawler configuration of a request under the service's limits and SSRF policy."""
        s = self.settings
        return CrawlConfig(
            start_url=request.url,
            max_pages=request.max_pages,
            full=request.full,
            concurrency=s.crawl_concurrency,
            deadline=s.crawl_deadline_seconds,
            allow_private_networks=s.allow_private_networks,
            allowed_cidrs=tuple(s.allowed_cidrs),
            extract_workers=s.extract_workers,
        )

    async def _generate(self, live: LiveJob) -> None:
        """Crawl, compose, publish, and record the site; the job ends `succeeded`."""
        request = live.request
        config = self.crawl_config(request)
        client = self._client_factory(config) if self._client_factory else None
        previous = await self._previous_state(request.site, config.start_url)
        try:
            with MarkdownSpool() as spool:
                outcome, llms_txt, full, _ = await crawl_and_compose(
                    config,
                    spool,
                    sink=lambda event: self._on_progress(live, event),
                    client=client,
                    previous=previous,
                )
                state = await asyncio.to_thread(
                    dump_state, config.start_url, outcome.records, outcome.links, spool
                )
        finally:
            if previous is not None:
                previous.close()
        kept = sum(1 for r in outcome.records if r.kept)
        live.publish({"type": "log", "content": f"Composed llms.txt from {kept} pages"})
        site = await self._enroll(request)
        changed = await self._publish_if_changed(site, llms_txt, full)
        await self.store.patch_site(
            site.site,
            last_crawl_at=time.time(),
            last_status="ok" if changed else "unchanged",
            last_error=None,
            failures=0,
            page_count=kept,
        )
        # The next crawl of this site sends conditional GETs; losing this only makes it dearer.
        with contextlib.suppress(StoreError):
            await self.store.save_state(site.site, state)
        live.result = llms_txt
        live.progress = live.progress | {"phase": "done", "kept": kept, "url": "", "message": ""}
        live.publish({"type": "progress", "content": live.progress})
        await self._finish(live, "succeeded")

    async def _previous_state(self, site: str, start_url: str) -> CrawlState | None:
        """The last good crawl of the site, for conditional GETs; None when there is none."""
        data = await self.store.load_state(site)
        if not data:
            return None
        return await asyncio.to_thread(CrawlState.from_bytes, data, start_url)

    async def _enroll(self, request: JobRequest) -> SiteRecord:
        """Create or update the site record with this request's settings."""
        existing = await self.store.get_site(request.site)
        auto = request.auto_update
        if auto is None:
            auto = existing.auto_update if existing else False
        interval = request.interval_minutes or (
            existing.interval_minutes if existing else DEFAULT_INTERVAL_MINUTES
        )
        return await self.store.upsert_site(
            SiteRecord(
                site=request.site,
                base_url=request.url,
                max_pages=request.max_pages,
                full=request.full,
                auto_update=auto,
                interval_minutes=interval,
                next_crawl_at=time.time() + interval * 60 if auto else None,
                webhook_secret=secrets.token_urlsafe(24),  # kept when the site already has one
            )
        )

    async def _publish_if_changed(self, site: SiteRecord, llms_txt: str, full: str | None) -> bool:
        """Publish a new version unless the current one has the same bytes; whether it did."""
        current = await self.store.get_output(site.site, "llms.txt")
        if current is not None:
            version = current[1]
            same_full = version.full_sha256 == (None if full is None else sha256_text(full))
            if version.sha256 == sha256_text(llms_txt) and same_full:
                return False
        summary = link_changes(current[0] if current else "", llms_txt)
        await self.store.publish(site.site, llms_txt, full, summary)
        return True

    def _on_progress(self, live: LiveJob, event: Progress) -> None:
        """The crawl's progress sink: update the live counters and tell the subscribers."""
        counters = event.as_dict()
        if event.phase == "composing":
            # The composing event carries only the phase: keep the crawl's last counters.
            counters = live.progress | {"phase": event.phase, "url": "", "message": ""}
        live.progress = counters
        live.record = dataclasses.replace(live.record, counters=counters)
        live.publish({"type": "progress", "content": counters})
        if event.url:
            line = f"{event.phase}: {event.url}" + (f" ({event.message})" if event.message else "")
            live.publish({"type": "log", "content": line})
        elif event.message:
            live.publish({"type": "log", "content": f"{event.phase}: {event.message}"})

    async def _set(self, live: LiveJob, **fields: Any) -> None:
        """Change the job's record here and in the store, and announce a status change."""
        live.record = dataclasses.replace(live.record, **fields)
        await self.store.update_job(live.record.id, **fields)
        if "status" in fields:
            live.publish({"type": "status", "content": fields["status"]})

    async def _finish(self, live: LiveJob, status: str, error: str | None = None) -> None:
        """Move the job to a final status, send the closing events, and end every subscription."""
        if live.finished:
            return
        fields: dict[str, Any] = {"status": status, "error": error, "finished_at": time.time()}
        if live.progress:
            fields["counters"] = live.progress
        live.record = dataclasses.replace(live.record, **fields)
        with contextlib.suppress(
            Exception
        ):  # the store may be gone at shutdown; state is best effort
            await self.store.update_job(live.record.id, **fields)
        live.publish({"type": "status", "content": status})
        if error:
            live.publish({"type": "log", "content": f"Error: {error}"})
        for event in live.final_events():
            live.publish(event)
        for queue in live.subscribers:
            _put_latest(queue, None)
        live.done.set()
        if live.log is not None:
            live.log.info("job finished", status=status, error=error)


def link_changes(old: str, new: str) -> dict[str, Any]:
    """A short summary of an llms.txt's links: added, removed, and changed (new title or
    description), each sorted and capped at 50."""
    before, after = _links(old), _links(new)
    changed = [url for url, entry in after.items() if before.get(url, entry) != entry]
    return {
        "added": sorted(after.keys() - before.keys())[:50],
        "removed": sorted(before.keys() - after.keys())[:50],
        "changed": sorted(changed)[:50],
        "links": len(after),
    }


_LINK_ITEM = re.compile(
    r"^\s*-\s*\[(?P<title>(?:\\.|[^\]\\])*)\]\((?P<url>[^)\s]+)\)(?::\s*(?P<notes>.*))?$",
    flags=re.MULTILINE,
)


def _links(text: str) -> dict[str, tuple[str, str]]:
    """The link targets of an llms.txt's list items, each with its title and description."""
    return {m["url"]: (m["title"], m["notes"] or "") for m in _LINK_ITEM.finditer(text)}
