"""The crawl engine: robots -> sitemaps -> frontier -> a fixed pool of fetch workers -> page records."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx2

from llmstxt.config import CrawlConfig
from llmstxt.crawl.dedup import collapse_duplicates
from llmstxt.crawl.fetch import Fetcher, Response, error_kind
from llmstxt.crawl.frontier import FROM_LINK, FROM_SITEMAP, Frontier, Item
from llmstxt.crawl.robots import (
    MAX_ROBOTS_BYTES,
    RobotsPolicy,
    policy_from_response,
    robots_url,
)
from llmstxt.crawl.sitemap import parse_sitemap
from llmstxt.crawl.state import CrawlState, Previous
from llmstxt.crawl.twins import MARKDOWN_TYPES, PATTERNS, Twin
from llmstxt.crawl.urls import Scope, canonicalize, is_folder_index
from llmstxt.crawl.worker import Batcher, WorkerLost, Workers, unpack_page
from llmstxt.errors import (
    BlockedAddress,
    FetchError,
    NothingToCrawl,
    RetryableStatus,
    UnreachableSite,
)
from llmstxt.extract import extract
from llmstxt.models import NavItem, Page, PageRecord
from llmstxt.progress import Progress, ProgressSink, null_sink
from llmstxt.spool import MarkdownSpool

MAX_SITEMAP_FILES = 50
SITEMAP_TYPES = ()  # sitemaps come as XML, gzip or text under many media types: accept any
FETCH_ERRORS = (FetchError, BlockedAddress, httpx2.HTTPError, TimeoutError)


@dataclass(slots=True)
class CrawlOutcome:
    """What a crawl produced: every record, the refusals, and counters for the report."""

    start_url: str
    records: list[PageRecord] = field(default_factory=list, repr=False)
    refused: list[tuple[str, int, str]] = field(default_factory=list, repr=False)
    links: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)  # for the state
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    deadline_hit: bool = False
    warnings: list[str] = field(default_factory=list)


class Engine:
    """Crawls one site with one shared client; records stream into the outcome as pages finish."""

    def __init__(
        self,
        config: CrawlConfig,
        client: httpx2.AsyncClient,
        spool: MarkdownSpool,
        sink: ProgressSink = null_sink,
        workers: Workers | None = None,
        previous: CrawlState | None = None,
    ) -> None:
        self.config = config
        self.batcher = None if workers is None else Batcher(workers, config.full)
        self.previous = previous
        self.slots = asyncio.Semaphore(config.concurrency)  # requests in flight to the site
        self.spool = spool
        self.sink = sink
        self.fetcher = Fetcher(client, config)
        self.scope = self._scope_for(config.start_url)
        self.start = canonicalize(config.start_url)
        self.robots = RobotsPolicy.allow_all()
        self.frontier = Frontier(config.max_pages, config.max_depth, config.max_query_variants)
        self.outcome = CrawlOutcome(self.start)
        self._fetched: set[str] = set()
        self._raw_seen: set[str] = set()
        self._strings: dict[str, str] = {}  # one copy of each link URL kept for the state
        self._twins: list[Twin] = []  # Markdown-twin conventions the start page follows
        self._navs: dict[tuple[tuple[str, str, tuple[str, ...]], ...], tuple[NavItem, ...]] = {}
        self._counts: Counter[str] = Counter()
        self._lastmods: dict[str, str] = {}  # each sitemap page's <lastmod>, by canonical URL
        self._sitemaps_read = asyncio.Event()

    async def run(self) -> CrawlOutcome:
        """Crawl the site within its limits and deadline; raise when nothing at all can be read."""
        began = time.monotonic()
        try:
            async with asyncio.timeout(self.config.deadline):
                await self._load_robots()
                self._discover(self.start, 0)
                await self._crawl()
        except TimeoutError:
            self.outcome.deadline_hit = True
            self.outcome.warnings.append(f"deadline of {self.config.deadline:g}s reached")
        await self._probe_markdown()
        return self._finish(time.monotonic() - began)

    # --- robots.txt and sitemaps -------------------------------------------------------------

    async def _load_robots(self) -> None:
        """Fetch robots.txt under RFC 9309 rules; adopt the site's preferred host if it redirects."""
        self._emit("robots")
        if not self.config.respect_robots:
            return
        url = robots_url(self.start)
        try:
            # RFC 9309 2.5: a robots.txt past the size limit is cut there and parsed, not refused
            response = await self.fetcher.get(url, accept=(), truncate=MAX_ROBOTS_BYTES)
        except RetryableStatus as exc:
            self.robots = policy_from_response(exc.status, b"", self.config.user_agent)
        except BlockedAddress:
            raise
        except FETCH_ERRORS as exc:
            raise UnreachableSite(f"cannot reach {url} ({error_kind(exc)})") from exc
        else:
            self._adopt_host(response)
            self.robots = policy_from_response(
                response.status, response.body, self.config.user_agent, base_url=response.url
            )
        if not self.robots.allowed(self.start):
            raise NothingToCrawl(
                f"robots.txt does not allow {self.start} for this user agent (or could not be read)"
            )
        if self.robots.crawl_delay:
            # Every later request (pages, sitemaps, retries, redirect hops) waits its turn; the
            # robots.txt request just made takes the first one.
            from aiolimiter import AsyncLimiter  # only sites with a Crawl-delay need it

            self.fetcher.limiter = AsyncLimiter(1, self.robots.crawl_delay)
            await self.fetcher.limiter.acquire()

    def _scope_for(self, start_url: str) -> Scope:
        """The crawl's scope when it starts at start_url."""
        c = self.config
        return Scope.from_start(
            start_url, c.include, c.exclude, c.max_url_length, c.max_repeated_segments
        )

    def _adopt_host(self, response: Response) -> None:
        """When robots.txt redirects to another variant of the same site (www, https), crawl that."""
        if not response.redirected_from or response.status != 200:
            return
        final = canonicalize(response.url)
        if self.scope.to_site(final) == final or self.scope.reason(self.scope.to_site(final)):
            return
        origin = final[: final.index("/", final.index("//") + 2)]
        path = self.start[self.start.index("/", self.start.index("//") + 2) :]
        self.start = canonicalize(origin + path)
        self.outcome.start_url = self.start
        self.scope = self._scope_for(self.start)

    async def _load_sitemaps(self) -> None:
        """Read every sitemap (robots Sitemap: lines, else /sitemap.xml), following indexes."""
        self._emit("sitemaps")
        try:
            await self._read_sitemaps()
        finally:
            self._sitemaps_read.set()

    async def _read_sitemaps(self) -> None:
        """Send every sitemap entry to the frontier and note its lastmod."""
        pending = list(self.robots.sitemaps) or self._default_sitemaps()
        seen: set[str] = set()
        order = 0
        while pending and len(seen) < MAX_SITEMAP_FILES:
            batch = [u for u in dict.fromkeys(pending) if u not in seen][
                : MAX_SITEMAP_FILES - len(seen)
            ]
            seen.update(batch)
            pending = []
            bodies = await asyncio.gather(*(self._get_sitemap(u) for u in batch))
            for url, body in zip(batch, bodies, strict=True):
                parsed = parse_sitemap(body, url)
                pending.extend(canonicalize(c, url) for c in parsed.children)
                for entry in parsed.entries:
                    if entry.lastmod:  # also for pages the links found first
                        self._lastmods[canonicalize(self.scope.to_site(entry.url))] = entry.lastmod
                    self._discover(entry.url, 1, FROM_SITEMAP, entry.lastmod, order)
                    order += 1

    def _default_sitemaps(self) -> list[str]:
        """/sitemap.xml at the root, and under the path prefix when the crawl has one."""
        origin = self.start[: self.start.index("/", self.start.index("//") + 2)]
        urls = [origin + "/sitemap.xml"]
        if self.scope.prefix != "/":
            urls.append(origin + self.scope.prefix.rstrip("/") + "/sitemap.xml")
        return urls

    async def _get_sitemap(self, url: str) -> bytes:
        """One sitemap's body, or b"" when it cannot be had (a missing sitemap is normal)."""
        try:
            response = await self.fetcher.get(url, accept=SITEMAP_TYPES)
        except FETCH_ERRORS:
            return b""
        return response.body if response.status == 200 else b""

    # --- discovery and the worker pool -------------------------------------------------------

    def _discover(
        self,
        url: str,
        depth: int,
        source: int = FROM_LINK,
        lastmod: str = "",
        sitemap_order: int = -1,
    ) -> None:
        """Send a found URL through scope and robots to the frontier."""
        if url in self._raw_seen:
            return  # nav links repeat on every page: skip them before the costly canonical form
        self._raw_seen.add(url)
        url = canonicalize(self.scope.to_site(url))
        if not url or url in self.frontier.seen:
            return
        reason = self.scope.reason(url)
        if reason:
            self.frontier.refuse(url, depth, reason)
        elif not self.robots.allowed(url):
            self.frontier.refuse(url, depth, "robots")
        else:
            self.frontier.add(url, depth, source, lastmod, sitemap_order)

    async def _crawl(self) -> None:
        """Run the workers while the sitemaps load, until the frontier is drained."""
        workers = 1 if self.fetcher.limiter else 2 * self.config.concurrency
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._worker()) for _ in range(workers)]
            twins = group.create_task(self._start_twins())
            # The start page is fetched while the sitemaps load: their round trips overlap.
            await self._load_sitemaps()
            self._emit("crawling")
            await self.frontier.queue.join()
            for task in tasks:
                task.cancel()
        self._twins = twins.result()

    async def _worker(self) -> None:
        """Take URLs off the frontier and visit them, forever (cancelled when the queue drains)."""
        queue = self.frontier.queue
        while True:
            item = await queue.get()
            try:
                if self.frontier.next_allowed(item):
                    await self._visit(item)
            finally:
                queue.task_done()

    async def _visit(self, item: Item) -> None:
        """Fetch one URL and turn the outcome into a record; failures become records too."""
        if item.url in self._fetched:
            return  # a redirect from another URL already brought this page
        self._fetched.add(item.url)
        if self.previous is not None and item.depth > 0:
            # A recrawl decides by sitemap lastmod; the start page goes first, as in any crawl.
            await self._sitemaps_read.wait()
        # The lastmod known when the request goes out: a page fetched before its sitemap entry
        # was read keeps none, so a change in between cannot hide behind a newer lastmod.
        item.lastmod = self._lastmods.get(item.url, item.lastmod)
        if (unchanged := self._unchanged(item)) is not None:
            self._record(unchanged, item)
            return
        try:
            # The slot covers the request only: a page being parsed does not hold up the next fetch.
            async with self.slots:
                response = await self.fetcher.get(
                    item.url, check_hop=self._check_hop, headers=self._conditional(item.url)
                )
        except FETCH_ERRORS as exc:
            self._record(PageRecord(item.url, item.depth, error=error_kind(exc)), item)
            return
        self._record(await self._process(item, response), item)

    def _shared(self, links: tuple[str, ...]) -> tuple[str, ...]:
        """links with each URL string stored once per crawl (nav links repeat on every page)."""
        strings = self._strings
        return tuple(strings.setdefault(link, link) for link in links)

    def _conditional(self, url: str) -> dict[str, str]:
        """Validators from the last crawl, so an unchanged page costs a 304."""
        if self.previous is None:
            return {}
        return self.previous.conditional_headers(url, need_markdown=self.config.full)

    def _unchanged(self, item: Item) -> PageRecord | None:
        """The last crawl's record of a page whose sitemap lastmod has not moved since: no
        request at all. A page without lastmod, or whose record lacks what is asked, is fetched."""
        if self.previous is None or not item.lastmod:
            return None
        previous = self.previous.pages.get(item.url)
        if previous is None or previous.record.lastmod != item.lastmod:
            return None
        if previous.record.page is None or (self.config.full and not previous.has_markdown):
            return None
        return self._reuse_previous(item, previous, "lastmod", status=0)

    def _reuse(self, item: Item, response: Response) -> PageRecord | None:
        """The last crawl's record of a page the server says has not changed (304)."""
        previous = self.previous.pages.get(item.url) if self.previous else None
        if response.status != 304 or previous is None:
            return None
        return self._reuse_previous(item, previous, "not_modified", status=304)

    def _reuse_previous(
        self, item: Item, previous: Previous, reused: str, status: int
    ) -> PageRecord:
        """Keep a page as the last crawl left it; its links still lead on, as a fetch's would."""
        if self.config.full and self.previous is not None:
            self.spool.put(item.url, self.previous.spool.get(item.url) or "")
        self.outcome.links[item.url] = previous.links
        for link in previous.links:
            self._discover(link, item.depth + 1)
        record = previous.record
        if record.page is not None and record.page.canonical not in ("", item.url):
            self._discover(record.page.canonical, item.depth)
        return dataclasses.replace(
            record,
            depth=item.depth,
            status=status,
            lastmod=item.lastmod,
            sitemap_order=item.sitemap_order,
            reused=reused,
            # Which copy of a duplicate wins is decided again among this crawl's pages.
            skipped="" if record.skipped == "duplicate" else record.skipped,
        )

    async def _extract(self, url: str, body: bytes, charset: str | None) -> Page:
        """Extract in the worker process when there is one: the event loop keeps fetching meanwhile."""
        if self.batcher is None:
            return extract(url, body, encoding=charset, markdown=self.config.full)
        return unpack_page(await self.batcher.extract(url, body, charset), self._navs)

    async def _check_hop(self, url: str) -> str:
        """Why a redirect hop may not be followed ("" when it may)."""
        site_url = canonicalize(self.scope.to_site(url))
        reason = self.scope.reason(site_url)
        if reason:
            return "redirect_off_site" if reason == "off_site" else reason
        return "" if self.robots.allowed(site_url) else "robots"

    async def _process(self, item: Item, response: Response) -> PageRecord:
        """Extract a fetched page, queue its links, and describe the result as a record."""
        url = canonicalize(self.scope.to_site(response.url)) or item.url
        base = PageRecord(
            url,
            item.depth,
            response.status,
            etag=response.headers.get("etag", ""),
            last_modified=response.headers.get("last-modified", ""),
            lastmod=item.lastmod,
            sitemap_order=item.sitemap_order,
        )
        if response.skipped:
            return dataclasses.replace(base, skipped=response.skipped)
        if (reused := self._reuse(item, response)) is not None:
            return reused
        if response.status != 200:
            return dataclasses.replace(base, error=f"http_{response.status}")
        if url != item.url:
            if url in self._fetched:
                return dataclasses.replace(base, url=item.url, skipped="duplicate")
            self._fetched.add(url)
            self.frontier.seen.add(url)
        try:
            page = await self._extract(url, response.body, response.charset)
        except WorkerLost:
            # This page, or one batched with it, killed its extraction process (a parser crash,
            # the OOM killer): the batch is left out and the next one gets a new process.
            return dataclasses.replace(base, error="extract_crashed")
        if page.markdown is not None:
            self.spool.put(url, page.markdown)
            page = dataclasses.replace(page, markdown=None)
        links = self._shared(page.links)
        self.outcome.links[url] = () if page.nofollow else links
        if not page.nofollow:
            for link in page.links:
                self._discover(link, item.depth + 1)
        if page.canonical and page.canonical != url:
            self._discover(page.canonical, item.depth)
        noindex = page.noindex or "noindex" in response.headers.get("x-robots-tag", "").lower()
        # Links served the frontier; the home and folder index pages keep them (one shared copy of
        # each URL): they give the site's own order of its sections and of the pages in each.
        keep = item.depth == 0 or is_folder_index(url)
        page = dataclasses.replace(page, links=links if keep else ())
        return dataclasses.replace(base, page=page, skipped="noindex" if noindex else "")

    def _record(self, record: PageRecord, item: Item) -> None:
        """Keep a finished record and tell the sink."""
        self.outcome.records.append(record)
        kind = "error" if record.error else "skipped" if record.skipped else "kept"
        self._counts[kind] += 1
        self._emit("crawling", record.url)

    def _emit(self, phase: str, url: str = "") -> None:
        """Send the current counters to the progress sink."""
        self.sink(
            Progress(
                phase=phase,
                found=len(self.frontier.seen) - len(self.frontier.refused),
                fetched=len(self.outcome.records),
                kept=self._counts["kept"],
                skipped=self._counts["skipped"],
                errors=self._counts["error"],
                max_pages=self.config.max_pages,
                url=url,
            )
        )

    # --- after the crawl ---------------------------------------------------------------------

    async def _start_twins(self) -> list[Twin]:
        """The Markdown-twin conventions the start page follows, checked while the crawl runs."""
        patterns = PATTERNS
        found = await asyncio.gather(*(self._has_markdown(p(self.start)) for p in patterns))
        return [p for p, ok in zip(patterns, found, strict=True) if ok]

    async def _probe_markdown(self) -> None:
        """When the start page has a `.md` twin, confirm on two more pages, then link them all."""
        if not self._twins or self.outcome.deadline_hit:
            return  # most sites: decided during the crawl, no request at the end
        kept = sorted(
            (r for r in self.outcome.records if r.kept), key=lambda r: (len(r.url), r.url)
        )
        sample = [r for r in kept if r.url != self.start and r.page and not r.page.markdown_url]
        for pattern in self._twins:
            found = await asyncio.gather(*(self._has_markdown(pattern(r.url)) for r in sample[:2]))
            if all(found):
                self._apply_markdown_pattern(pattern)
                return

    async def _has_markdown(self, url: str) -> bool:
        """True when url answers 200 with a Markdown or text body."""
        try:
            async with self.slots:
                response = await self.fetcher.get(
                    url, check_hop=self._check_hop, accept=MARKDOWN_TYPES
                )
        except FETCH_ERRORS:
            return False
        return response.status == 200 and not response.skipped and bool(response.body.strip())

    def _apply_markdown_pattern(self, pattern: Twin) -> None:
        """Point every kept page without a Markdown link at its twin."""
        records = self.outcome.records
        for i, record in enumerate(records):
            if record.kept and record.page and not record.page.markdown_url:
                page = dataclasses.replace(record.page, markdown_url=pattern(record.url))
                records[i] = dataclasses.replace(record, page=page)

    def _finish(self, seconds: float) -> CrawlOutcome:
        """Collapse duplicates, fill the counters, and check that something was read."""
        outcome = self.outcome
        outcome.records = collapse_duplicates(outcome.records, self.start)
        outcome.refused = [(r.url, r.depth, r.reason) for r in self.frontier.refused]
        outcome.requests = self.fetcher.requests
        outcome.bytes = self.fetcher.bytes
        outcome.seconds = seconds
        shells = sum(1 for r in outcome.records if r.kept and r.page and r.page.js_shell)
        if shells:
            outcome.warnings.append(f"{shells} pages render their text with JavaScript only")
        self._emit("done")
        if not any(r.kept for r in outcome.records):
            raise self._nothing_kept()
        return outcome

    def _nothing_kept(self) -> Exception:
        """The clearest error for a crawl that kept no page."""
        first = next((r for r in self.outcome.records if r.url == self.start), None)
        if first and first.error == "blocked":
            return BlockedAddress(f"{self.start} resolves to a non-public address")
        if first and first.error in {"connect", "timeout", "protocol"}:
            return UnreachableSite(f"cannot reach {self.start} ({first.error})")
        if first and (first.error or first.skipped):
            why = first.error or first.skipped
            return NothingToCrawl(f"no page could be read: {self.start} gave {why}")
        return NothingToCrawl(f"no crawlable HTML page found from {self.start}")
