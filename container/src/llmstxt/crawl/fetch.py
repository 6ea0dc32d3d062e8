"""One polite HTTP GET: redirects checked hop by hop, bodies streamed under a size cap, retries with backoff."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import httpx2
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from llmstxt.config import CrawlConfig
from llmstxt.crawl.urls import canonicalize
from llmstxt.errors import BlockedAddress, BodyTooLarge, FetchError, RetryableStatus

if TYPE_CHECKING:
    from aiolimiter import AsyncLimiter

# 500 too: a server error is as often transient as a 503 (Scrapy retries it by default)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Statuses whose body we never need; a 304 is answered from the stored record by the caller.
REDIRECTS = frozenset({301, 302, 303, 307, 308})

HopCheck = Callable[[str], Awaitable[str]]  # url -> "" when allowed, else a skip reason


@dataclass(slots=True)
class Response:
    """What a fetch returns: the final URL, status, the headers we use, and the (capped) body."""

    url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    redirected_from: tuple[str, ...] = ()
    skipped: str = ""  # a hop was refused ("redirect_off_site", "robots", ...) or not HTML

    @property
    def content_type(self) -> str:
        """The media type, lowercased, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset parameter of Content-Type, if the server named one."""
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


class RedirectError(FetchError):
    """A redirect chain looped or ran too long."""

    def __init__(self, kind: str, url: str) -> None:
        super().__init__(f"{kind} at {url}")
        self.kind = kind


class Fetcher:
    """Fetches pages over one shared client; counts requests and bytes for the report."""

    def __init__(self, client: httpx2.AsyncClient, config: CrawlConfig) -> None:
        self.client = client
        self.config = config
        self.requests = 0
        self.bytes = 0
        self.limiter: AsyncLimiter | None = None  # set when robots.txt asks for a Crawl-delay

    async def get(
        self,
        url: str,
        *,
        check_hop: HopCheck | None = None,
        headers: Mapping[str, str] | None = None,
        accept: tuple[str, ...] = HTML_TYPES,
        truncate: int = 0,
    ) -> Response:
        """GET url with retries; raise FetchError subclasses or httpx2 errors when it finally fails.

        With truncate, a body is cut after that many bytes instead of refused (robots.txt).
        """
        async for attempt in self._retrying():
            with attempt:
                return await self._follow(url, check_hop, headers or {}, accept, truncate)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity always returns or raises

    def _retrying(self) -> AsyncRetrying:
        """The retry policy: transport errors and 429/5xx-busy, honouring Retry-After."""
        return AsyncRetrying(
            stop=stop_after_attempt(self.config.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(self._should_retry),
            reraise=True,
        )

    def _should_retry(self, exc: BaseException) -> bool:
        """Retry connection trouble and busy statuses, unless the server asks us to wait too long."""
        if isinstance(exc, RetryableStatus):
            return exc.retry_after is None or exc.retry_after <= self.config.max_retry_after
        return isinstance(exc, httpx2.TransportError) and not isinstance(
            exc, httpx2.TimeoutException
        )

    _backoff = wait_exponential_jitter(multiplier=0.25, max=8.0, jitter=0.25)

    def _wait(self, state: RetryCallState) -> float:
        """Wait what Retry-After says when the server said it, else back off exponentially."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableStatus) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))

    async def _follow(
        self,
        url: str,
        check_hop: HopCheck | None,
        headers: Mapping[str, str],
        accept: tuple[str, ...],
        truncate: int = 0,
    ) -> Response:
        """Follow redirects one hop at a time so each hop is checked (scope, robots, guard, loops)."""
        chain: list[str] = []
        current = url
        while True:
            if current in chain:
                raise RedirectError("redirect_loop", current)
            if len(chain) > self.config.max_redirects:
                raise RedirectError("too_many_redirects", current)
            reason = await check_hop(current) if check_hop and chain else ""
            if reason:
                return Response(current, 0, redirected_from=tuple(chain), skipped=reason)
            response = await self._once(current, headers, accept, truncate)
            if response.status not in REDIRECTS:
                response.redirected_from = tuple(chain)
                return response
            chain.append(current)
            current = canonicalize(response.headers.get("location", ""), current)
            if not current:
                raise RedirectError("bad_redirect", chain[-1])

    async def _once(
        self, url: str, headers: Mapping[str, str], accept: tuple[str, ...], truncate: int = 0
    ) -> Response:
        """One request under the per-request timeout (which also bounds slow-drip bodies)."""
        if self.limiter is not None:
            await self.limiter.acquire()
        self.requests += 1
        async with asyncio.timeout(self.config.timeout):
            async with self.client.stream("GET", url, headers=headers) as r:
                kept = {k: r.headers[k] for k in _KEPT_HEADERS if k in r.headers}
                response = Response(url, r.status_code, kept)
                if r.status_code in RETRY_STATUSES:
                    raise RetryableStatus(r.status_code, _retry_after(r.headers.get("retry-after")))
                if r.status_code != 200:
                    return response
                if accept and response.content_type not in accept:
                    response.skipped = "not_html"
                    return response
                response.body = await self._read_capped(r, truncate)
                return response

    async def _read_capped(self, r: httpx2.Response, truncate: int = 0) -> bytes:
        """Read the (decoded) body, refusing anything past the size cap (or cutting it there)."""
        cap = truncate or self.config.max_body_bytes
        declared = r.headers.get("content-length", "")
        plain = "content-encoding" not in r.headers
        if not truncate and plain and declared.isdigit() and int(declared) > cap:
            raise BodyTooLarge(f"Content-Length {declared} over the {cap}-byte cap")
        chunks: list[bytes] = []
        size = 0
        async for chunk in inflate_capped(r, cap):
            size += len(chunk)
            if size > cap:
                if not truncate:
                    raise BodyTooLarge(f"body over the {cap}-byte cap")
                chunks.append(chunk[: len(chunk) - (size - cap)])
                break
            chunks.append(chunk)
        self.bytes += r.num_bytes_downloaded
        return b"".join(chunks)


# zlib window bits per Content-Encoding: gzip, and deflate as zlib data (or gzip, detected).
_WBITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": 32 + zlib.MAX_WBITS,
}
_PIECE = 64 * 1024


async def inflate_capped(r: httpx2.Response, limit: int) -> AsyncIterator[bytes]:
    """The decoded body in pieces, never inflating more than limit + 1 bytes in all.

    httpx2 inflates each network chunk whole: 64 KiB of a gzip bomb became 64 MB at once, per page
    in flight. Here no piece passes 64 KiB, and the caller's cap check stops the stream.
    """
    encoding = r.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        async for chunk in r.aiter_raw():
            yield chunk
        return
    if encoding not in _WBITS:
        raise httpx2.DecodingError(f"unsupported Content-Encoding {encoding!r}", request=r.request)
    inflater = zlib.decompressobj(_WBITS[encoding])
    room = limit + 1
    try:
        async for data in r.aiter_raw():
            while data and room > 0 and not inflater.eof:
                piece = inflater.decompress(data, min(room, _PIECE))
                data, room = inflater.unconsumed_tail, room - len(piece)
                yield piece
            if room <= 0:
                return
            # At the end of the compressed stream, keep reading what is left of the response (the
            # end of a chunked body): a response read to its end leaves its connection reusable.
    except zlib.error as exc:
        raise httpx2.DecodingError(f"bad {encoding} body: {exc}", request=r.request) from exc


_KEPT_HEADERS = (
    "content-type",
    "location",
    "etag",
    "last-modified",
    "x-robots-tag",
    "retry-after",
    "link",
)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_kind(exc: BaseException) -> str:
    """A short, stable name for why a fetch failed, as counted in report.json."""
    if isinstance(exc, BlockedAddress):
        return "blocked"
    if isinstance(exc, RedirectError):
        return exc.kind
    if isinstance(exc, RetryableStatus):
        return f"http_{exc.status}"
    if isinstance(exc, FetchError):
        return exc.kind
    if isinstance(exc, httpx2.TimeoutException | TimeoutError):
        return "timeout"
    if isinstance(exc, httpx2.ConnectError):
        return "connect"
    if isinstance(exc, httpx2.DecodingError):
        return "decode"
    if isinstance(exc, httpx2.HTTPError):
        return "protocol"
    return type(exc).__name__.lower()
