"""The whole generator: crawl a site, compose llms.txt / llms-full.txt, write them with a report."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from llmstxt import __version__
from llmstxt.compose import plan_site, render_llms_full, render_llms_txt
from llmstxt.config import CrawlConfig
from llmstxt.crawl.engine import CrawlOutcome, Engine
from llmstxt.crawl.guard import AddressGuard, guarded_transport
from llmstxt.crawl.netio import AsyncioBackend, transport_with
from llmstxt.crawl.state import CrawlState, save_state
from llmstxt.crawl.urls import Scope, canonicalize
from llmstxt.crawl.worker import Workers
from llmstxt.errors import DegradedCrawl, InputError
from llmstxt.models import PageRecord
from llmstxt.progress import Progress, ProgressSink, null_sink
from llmstxt.spool import MarkdownSpool

LLMS_TXT = "llms.txt"
LLMS_FULL_TXT = "llms-full.txt"
REPORT_JSON = "report.json"
STATE_FILE = ".llmstxt-state.jsonl.gz"  # the last good crawl, for conditional GETs next time


@dataclass(slots=True)
class GenerateResult:
    """The outputs of one run, and the report written beside them."""

    # repr=False: Python 3.11's asyncio.run builds repr(result) of the main task on exit (a
    # signal-handler lookup formats it into an error message); a full repr of every record cost
    # 100+ MB on a 5,000-page site.
    records: list[PageRecord] = field(repr=False)
    report: dict[str, Any] = field(repr=False)
    llms_txt: str = field(repr=False)
    llms_full_txt: str | None = field(default=None, repr=False)
    files: dict[str, Path] = field(default_factory=dict)


def make_client(config: CrawlConfig) -> httpx2.AsyncClient:
    """The one client of a crawl: pooled connections sized for the per-host concurrency."""
    # A few connections beyond the workers' own, for robots.txt and sitemaps; no more, since
    # httpcore2 checks every pooled connection on each request.
    size = config.concurrency + 4
    limits = httpx2.Limits(max_connections=size, max_keepalive_connections=size)
    if config.allow_private_networks:
        transport = transport_with(AsyncioBackend(), http2=config.http2, limits=limits)
    else:
        guard = AddressGuard.from_settings(False, config.allowed_cidrs)
        transport = guarded_transport(guard, http2=config.http2, limits=limits)
    return httpx2.AsyncClient(
        transport=transport,
        trust_env=config.allow_private_networks,  # an env proxy would dial around the guard
        http2=config.http2,
        limits=limits,
        timeout=httpx2.Timeout(config.timeout),
        headers={
            "User-Agent": config.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        },
        follow_redirects=False,
    )


def check_not_degraded(
    records: list[PageRecord], previous: CrawlState | None, config: CrawlConfig
) -> None:
    """Refuse a recrawl that kept far fewer pages than the last good one (site half down, a block
    page, a broken deploy): its output must not replace the good one. Only pages this crawl's
    settings still ask for count (a smaller --max-pages or a new --exclude is not a loss)."""
    if previous is None:
        return
    scope = Scope.from_start(config.start_url, config.include, config.exclude)
    wanted = sum(
        1 for p in previous.pages.values() if p.record.kept and not scope.reason(p.record.url)
    )
    before = min(wanted, config.max_pages)
    kept = sum(1 for r in records if r.kept)
    if before and kept < config.min_keep_ratio * before:
        raise DegradedCrawl(
            f"kept {kept} pages where the last good crawl kept {before}; "
            "the previous output is left as it was"
        )


@asynccontextmanager
async def extract_workers(count: int) -> AsyncIterator[Workers | None]:
    """Worker processes for extraction, so parsing runs beside the fetching (None: inline).

    Forked on entry, while robots.txt loads, rather than when the start page is back and every
    fetch waits on its links.
    """
    if count <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    async with Workers(count) as workers:
        yield workers


def check_start_url(url: str) -> str:
    """The canonical start URL, or InputError when url is not an absolute http(s) URL."""
    canonical = canonicalize(url.strip()) if "://" in url else ""
    if not canonical:
        raise InputError(f"not an http(s) URL: {url!r}")
    return canonical


async def crawl_and_compose(
    config: CrawlConfig,
    spool: MarkdownSpool,
    *,
    sink: ProgressSink = null_sink,
    client: httpx2.AsyncClient | None = None,
    previous: CrawlState | None = None,
) -> tuple[CrawlOutcome, str, str | None, float]:
    """Crawl and compose in memory: (outcome, llms.txt, llms-full.txt or None, compose seconds).

    With `previous` (the last good crawl's state) unchanged pages cost a conditional GET.
    """
    check_start_url(config.start_url)
    async with AsyncExitStack() as stack:
        if client is None:
            client = await stack.enter_async_context(make_client(config))
        workers = await stack.enter_async_context(extract_workers(config.extract_workers))
        outcome = await Engine(config, client, spool, sink, workers, previous).run()
    records = outcome.records
    check_not_degraded(records, previous, config)
    sink(
        Progress(
            phase="composing",
            fetched=len(records),
            kept=sum(1 for r in records if r.kept),
            skipped=sum(1 for r in records if r.skipped and not r.error),
            errors=sum(1 for r in records if r.error),
            max_pages=config.max_pages,
        )
    )
    began = time.monotonic()
    plan = plan_site(outcome.records, outcome.start_url)
    llms_txt = render_llms_txt(plan)
    full = (
        render_llms_full(plan, outcome.records, spool.get, config.full_budget_bytes)
        if config.full
        else None
    )
    return outcome, llms_txt, full, time.monotonic() - began


async def generate(
    config: CrawlConfig,
    out_dir: Path,
    *,
    sink: ProgressSink | None = None,
    client: httpx2.AsyncClient | None = None,
) -> GenerateResult:
    """Crawl config.start_url and write llms.txt, llms-full.txt and report.json into out_dir.

    An earlier run's state in out_dir makes this a cheap recrawl (conditional GETs); the state is
    replaced only after a crawl that succeeded.
    """
    began = time.monotonic()
    previous = load_previous(out_dir, config.start_url)
    try:
        with MarkdownSpool() as spool:
            outcome, llms_txt, full, compose_s = await crawl_and_compose(
                config, spool, sink=sink or null_sink, client=client, previous=previous
            )
            write_state(out_dir, config.start_url, outcome, spool)
    finally:
        if previous is not None:
            previous.close()
    timings = {
        "total_s": time.monotonic() - began,
        "crawl_s": outcome.seconds,
        "compose_s": compose_s,
    }
    outputs = {LLMS_TXT: llms_txt} | ({LLMS_FULL_TXT: full} if full is not None else {})
    report = build_report(config, outcome, timings, sorted(outputs))
    outputs[REPORT_JSON] = json.dumps(report, indent=2) + "\n"
    files = write_outputs(out_dir, outputs)
    return GenerateResult(outcome.records, report, llms_txt, full, files)


def load_previous(out_dir: Path, start_url: str) -> CrawlState | None:
    """The state an earlier run left in out_dir for this start URL, if any."""
    path = out_dir / STATE_FILE
    return CrawlState.load(path, start_url) if path.is_file() else None


def write_state(out_dir: Path, start_url: str, outcome: CrawlOutcome, spool: MarkdownSpool) -> None:
    """Keep this crawl's validators, pages and links beside the outputs for the next run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    save_state(out_dir / STATE_FILE, start_url, outcome.records, outcome.links, spool)


def write_outputs(out_dir: Path, outputs: dict[str, str]) -> dict[str, Path]:
    """Write each named output into out_dir atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return {name: write_atomic(out_dir / name, text) for name, text in outputs.items()}


def write_atomic(path: Path, text: str) -> Path:
    """Write text so readers see the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def build_report(
    config: CrawlConfig, outcome: CrawlOutcome, timings: dict[str, float], outputs: list[str]
) -> dict[str, Any]:
    """report.json: pages found / fetched / kept / skipped by reason, errors by kind, timings."""
    records = outcome.records
    skipped = Counter(r.skipped for r in records if r.skipped and not r.error)
    skipped.update(reason for _, _, reason in outcome.refused)
    errors = Counter(r.error for r in records if r.error)
    return {
        "generator": f"llmstxt {__version__}",
        "start_url": outcome.start_url,
        "site": outcome.start_url.split("/")[2],
        "pages": {
            "found": len(records) + len(outcome.refused),
            "fetched": len(records),
            "kept": sum(1 for r in records if r.kept),
            "failed": sum(1 for r in records if r.error),
            "not_modified": sum(1 for r in records if r.reused == "not_modified"),
            "unchanged": sum(1 for r in records if r.reused == "lastmod"),
            "skipped": dict(sorted(skipped.items())),
        },
        "errors": dict(sorted(errors.items())),
        "requests": outcome.requests,
        "bytes": outcome.bytes,
        "deadline_hit": outcome.deadline_hit,
        "warnings": outcome.warnings,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "outputs": outputs,
        "config": {
            "max_pages": config.max_pages,
            "concurrency": config.concurrency,
            "full": config.full,
        },
        "urls": [_url_row(r) for r in records]
        + [{"url": u, "depth": d, "kept": False, "skipped": why} for u, d, why in outcome.refused],
    }


def _url_row(r: PageRecord) -> dict[str, Any]:
    """One fetched URL as the report lists it."""
    row: dict[str, Any] = {"url": r.url, "status": r.status, "depth": r.depth, "kept": r.kept}
    if r.skipped:
        row["skipped"] = r.skipped
    if r.error:
        row["error"] = r.error
    if r.reused:
        row["reused"] = r.reused
    return row
