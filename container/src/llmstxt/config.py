"""The crawler's typed configuration, built once at the edge (CLI or service) and frozen."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_USER_AGENT = "llmstxt/0.1 (+https://llmstxt.org; llms.txt generator)"


@dataclass(frozen=True, slots=True)
class CrawlConfig:
    """Everything a crawl needs to know; nothing below the edge reads the environment."""

    start_url: str
    max_pages: int = 500
    max_depth: int = 10
    concurrency: int = 8  # requests in flight per host
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    full: bool = True
    user_agent: str = DEFAULT_USER_AGENT
    respect_robots: bool = True
    timeout: float = 15.0  # per request, seconds
    deadline: float = 600.0  # whole crawl, seconds
    max_body_bytes: int = 5 * 1024 * 1024
    max_url_length: int = 2048
    max_retries: int = 3
    max_retry_after: float = 30.0  # a longer Retry-After is not waited for
    max_query_variants: int = 20  # distinct query strings allowed per path
    max_repeated_segments: int = 2  # a path segment repeated more often is a trap
    max_redirects: int = 10
    full_budget_bytes: int = 10 * 1024 * 1024  # llms-full.txt size budget
    allow_private_networks: bool = True  # the CLI user runs it; the service turns this off
    allowed_cidrs: tuple[str, ...] = ()  # opened even when private networks are not
    http2: bool = True
    min_keep_ratio: float = (
        0.5  # a recrawl keeping fewer pages than this share of the last is refused
    )
    extract_workers: int = 1  # processes that parse pages beside the event loop (0: inline)
