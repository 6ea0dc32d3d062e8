"""The generated documentation site with traps, served by aiohttp (library or `python -m`).

python -m tests.sites.testsite --pages 500 --latency-ms 50 --port 8765 [--no-traps] [--changed 3]

--changed N serves N pages revised (new body, description, ETag, Last-Modified and sitemap
lastmod), the same N every time: a recrawl after a restart with it must fetch exactly those.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from aiohttp import web

from tests.sites import render
from tests.sites.model import (
    CALENDAR_PATH,
    TRAPS,
    Site,
    SiteSpec,
    build_site,
)
from tests.sites.serve import BackgroundServer, serve_forever

HTML = "text/html; charset=utf-8"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>Acme</title></channel></rss>\n'


@dataclass(frozen=True, slots=True)
class Hit:
    """One request the server answered."""

    at: float  # time.monotonic() when the request arrived
    method: str
    path: str  # path and query
    status: int
    user_agent: str
    gzipped: bool = False  # the body went out gzip-encoded


@dataclass(slots=True)
class Reply:
    """A response before conditional GET and compression are applied."""

    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    cacheable: bool = False  # a page: ETag, Last-Modified and gzip apply
    last_modified: str = render.LAST_MODIFIED


class TestSite:
    """The site's server state: page list, request log, per-path counters, a response cache."""

    __test__ = False  # not a pytest test class

    def __init__(self, spec: SiteSpec | None = None) -> None:
        self.spec = spec or SiteSpec()
        self.site: Site = build_site(self.spec)
        self.log: list[Hit] = []
        self.hits: Counter[str] = Counter()
        self.arrivals = 0  # requests received, answered or not (a timed-out one is logged late)
        self._cache: dict[str, tuple[bytes, bytes, str]] = {}
        self._rendered: dict[tuple[str, str, bool, bool], bytes] = {}

    def app(self) -> web.Application:
        """The aiohttp application serving this site."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    def paths_requested(self) -> list[str]:
        """Every path+query requested, in arrival order."""
        return [h.path for h in self.log]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request after the configured latency."""
        arrived = time.monotonic()
        self.hits[request.path] += 1
        self.arrivals += 1
        if self.spec.latency_ms:
            await asyncio.sleep(self.spec.latency_ms / 1000)
        base = f"http://{request.host}"
        reply = await self.reply(request, base)
        response = self._finish(request, reply)
        self.log.append(
            Hit(
                arrived,
                request.method,
                request.path_qs,
                response.status,
                request.headers.get("User-Agent", ""),
                response.headers.get("Content-Encoding") == "gzip",
            )
        )
        return response

    async def reply(self, request: web.Request, base: str) -> Reply:
        """Route one request to its content."""
        path = request.path
        special = self._special(path, base, request.query.get("month", ""))
        if special is not None:
            return special
        if path in TRAPS:
            return await self._trap(path, TRAPS[path])
        page = self.site.pages.get(path)
        if page is None:
            return Reply(404, b"<h1>Not found</h1>")
        if page.kind == "busy" and self.hits[path] <= self.spec.busy_times:
            return Reply(429, b"slow down", headers={"Retry-After": "1"})
        if page.kind == "latin1":
            body = render.latin1_html(self.site, page)
            return Reply(body=body, content_type="text/html; charset=windows-1252", cacheable=True)
        source = self.site.pages[page.same_as] if page.same_as else page
        canonical = page.kind != "alias" or bool(page.canonical)
        # Rendered once per version, as a static server would: the template cost this server
        # 0.6 ms of CPU a request, which on the benchmark's shared CPUs showed up as latency.
        key = (path, source.path, source.revised, canonical)
        html = self._rendered.get(key)
        if html is None:
            html = self._rendered[key] = render.page_html(
                self.site, source, canonical=canonical
            ).encode()
        headers = {"X-Robots-Tag": "noindex"} if page.kind == "x_robots" else {}
        modified = render.REVISED_LAST_MODIFIED if source.revised else render.LAST_MODIFIED
        return Reply(body=html, headers=headers, cacheable=True, last_modified=modified)

    def _special(self, path: str, base: str, month: str) -> Reply | None:
        """robots.txt, sitemaps, feeds, files, login and search; None for ordinary pages."""
        if path == "/robots.txt":
            return self._robots(base)
        if path == "/sitemap_index.xml":
            return Reply(body=render.sitemap_index(base).encode(), content_type="application/xml")
        if path in ("/sitemaps/docs.xml.gz", "/sitemaps/blog.xml.gz"):
            name = path.split("/")[-1].split(".")[0]
            return Reply(
                body=render.child_sitemap(self.site, base, name), content_type="application/gzip"
            )
        simple = {
            "/feed.xml": (FEED.encode(), "application/rss+xml"),
            "/files/manual.pdf": (PDF, "application/pdf"),
            "/images/logo.png": (PNG, "image/png"),
            "/login": (
                b"<html><title>Log in</title><form method=post><input name=u></form></html>",
                HTML,
            ),
            "/logout": (b"<html><title>Logged out</title></html>", HTML),
            "/search": (b"<html><title>Search</title><p>No results.</p></html>", HTML),
        }
        if path in simple:
            body, kind = simple[path]
            return Reply(body=body, content_type=kind)
        if path == CALENDAR_PATH and self.spec.traps:
            return Reply(body=render.calendar_html(month or "2024-01").encode())
        return None

    def _robots(self, base: str) -> Reply:
        """robots.txt in the configured mode (normal, 404, 500)."""
        if self.spec.robots == "404":
            return Reply(404, b"not here", "text/plain")
        if self.spec.robots == "500":
            return Reply(500, b"oops", "text/plain")
        return Reply(body=render.robots_txt(self.site, base).encode(), content_type="text/plain")

    async def _trap(self, path: str, kind: str) -> Reply:
        """The misbehaving pages."""
        if kind == "redirect_loop":
            other = "/trap/loop-b.html" if path.endswith("loop-a.html") else "/trap/loop-a.html"
            return Reply(302, b"", headers={"Location": other})
        if kind == "huge":
            filler = b"<p>" + b"acme " * 200 + b"</p>\n"
            body = b"<html><title>Huge | Acme Docs</title><body>" + filler * (
                self.spec.huge_bytes // len(filler) + 1
            )
            return Reply(body=body)
        if kind == "error":
            return Reply(500, b"<h1>Internal error</h1>")
        if kind == "slow":
            await asyncio.sleep(self.spec.slow_s)
            return Reply(body=b"<html><title>Slow | Acme Docs</title><p>Finally.</p></html>")
        return Reply(404, b"<h1>Not found</h1>")

    def _finish(self, request: web.Request, reply: Reply) -> web.Response:
        """Apply conditional GET (304) and gzip to cacheable pages, then build the response."""
        headers = dict(reply.headers)
        body = reply.body
        if reply.cacheable:
            plain, packed, etag = self._cached(request.path_qs, body)
            headers |= {
                "ETag": etag,
                "Last-Modified": reply.last_modified,
                "Vary": "Accept-Encoding",
            }
            if _not_modified(request, etag, reply.last_modified):
                return web.Response(status=304, headers=headers)
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                headers["Content-Encoding"] = "gzip"
                body = packed
            else:
                body = plain
        headers["Content-Type"] = reply.content_type
        return web.Response(status=reply.status, body=body, headers=headers)

    def _cached(self, key: str, body: bytes) -> tuple[bytes, bytes, str]:
        """The page body, its gzip form and its ETag, computed once per URL."""
        hit = self._cache.get(key)
        if hit is None or hit[0] != body:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            hit = (body, gzip.compress(body, compresslevel=6, mtime=0), etag)
            self._cache[key] = hit
        return hit


def _not_modified(request: web.Request, etag: str, last_modified: str) -> bool:
    """True when the request's validators show the client already has this version."""
    match = request.headers.get("If-None-Match")
    if match is not None:
        return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(since) >= parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False


def start_site(spec: SiteSpec | None = None) -> tuple[TestSite, BackgroundServer]:
    """Build a site and serve it on a free loopback port in a background thread."""
    site = TestSite(spec)
    return site, BackgroundServer(site.app).start()


def main(argv: list[str] | None = None) -> None:
    """Serve a generated site in the foreground (the benchmark runs it as a separate process)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-traps", action="store_true")
    parser.add_argument("--changed", type=int, default=0, help="serve N pages revised")
    args = parser.parse_args(argv)
    spec = SiteSpec(
        pages=args.pages,
        seed=args.seed,
        latency_ms=args.latency_ms,
        traps=not args.no_traps,
        changed=args.changed,
    )
    serve_forever(TestSite(spec).app(), args.port)


if __name__ == "__main__":
    main()
