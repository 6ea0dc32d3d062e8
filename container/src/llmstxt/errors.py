"""The one exception tree of llmstxt; errors are translated only at the edges (CLI, service).

LlmstxtError
├── InputError            the user's input is unusable (not a URL, bad option)
├── CrawlError            a whole crawl cannot proceed
│   ├── UnreachableSite   the start URL could not be fetched at all
│   ├── NothingToCrawl    robots.txt, scope or content left no HTML page to read
│   └── DegradedCrawl     a recrawl kept far fewer pages than the last good one
├── BlockedAddress        the SSRF guard refused a host or address
├── FetchError            one request failed (recorded on the page, never raised past the engine)
│   ├── BodyTooLarge      the body passed the size cap
│   └── RetryableStatus   429/503 (and friends): retried with backoff, then recorded
└── StoreError            the store could not read or write
"""

from __future__ import annotations


class LlmstxtError(Exception):
    """Base of every error llmstxt raises on purpose."""


class InputError(LlmstxtError, ValueError):
    """The user's input is unusable: not a URL, an impossible option."""


class CrawlError(LlmstxtError):
    """A whole crawl cannot proceed."""


class UnreachableSite(CrawlError):
    """The start URL could not be fetched at all."""


class NothingToCrawl(CrawlError):
    """robots.txt, scope or content left no HTML page to read."""


class DegradedCrawl(CrawlError):
    """A recrawl kept far fewer pages than the last good crawl; its output must not be published."""


class BlockedAddress(LlmstxtError):
    """The SSRF guard refused a host or address."""


class FetchError(LlmstxtError):
    """One request failed; the engine records it on the page as data."""

    kind = "fetch"


class BodyTooLarge(FetchError):
    """The response body passed the size cap."""

    kind = "too_large"


class RetryableStatus(FetchError):
    """A status worth retrying (429, 503, ...), with the server's Retry-After in seconds if any."""

    kind = "status"

    def __init__(self, status: int, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class StoreError(LlmstxtError):
    """The store could not read or write."""
