"""A hostile site on loopback: one trap per server, each the way real sites misbehave (issue #6).

Every huge or endless body is streamed from one small buffer, so the server never holds more than
a chunk of it; every streaming loop is bounded in bytes and in time, and stops when the client
leaves. The home page `/` links an ordinary page and the trap, so a crawl that survives the trap
still has something to keep.

python -m tests.sites.hostile gzip_bomb --port 8766
"""

from __future__ import annotations

import argparse
import asyncio
import time
import zlib
from collections import Counter
from datetime import date, timedelta
from functools import cache

from aiohttp import web

from tests.sites.serve import serve_forever

HTML = "text/html; charset=utf-8"
CHUNK = 64 * 1024
GB = 1024**3
HUGE_BYTES = GB  # the 1 GB body
BOMB_BYTES = GB  # what the gzip bomb inflates to
ROBOTS_BYTES = 50 * 1024**2  # the 50 MB robots.txt
CALENDAR_DAYS = 10_000
STREAM_SECONDS = 120.0  # no streaming handler runs longer than this, whatever the client does
ENDLESS_BYTES = 8 * GB  # "endless": far beyond any cap, but still a bound
FLAKY_FAILURES = 2  # the 500s (and 503s) before a flaky URL recovers
BUSY_FAILURES = 2  # the 429s before a busy URL answers

TRAPS = (
    "redirect_loop",
    "calendar",
    "huge_body",
    "gzip_bomb",
    "slowloris",
    "endless_chunked",
    "invalid_utf8",
    "robots_huge",
    "sitemap_recursion",
    "errors_then_recovery",
    "retry_after",
)

# The links the home page of each trap carries (besides /ok.html).
TRAP_LINKS: dict[str, tuple[str, ...]] = {
    "redirect_loop": ("/loop/a.html", "/chain/0.html"),
    "calendar": ("/calendar/",),
    "huge_body": ("/huge.html",),
    "gzip_bomb": ("/bomb.html", *(f"/bomb.html?copy={n}" for n in range(1, 8))),  # 8 at once
    "slowloris": ("/slow.html",),
    "endless_chunked": ("/endless.html",),
    "invalid_utf8": ("/bad-utf8.html",),
    "robots_huge": ("/private/secret.html",),
    "sitemap_recursion": (),
    "errors_then_recovery": ("/flaky.html",),
    "retry_after": ("/busy.html", "/busy-long.html"),
}

# Bytes that are not UTF-8: a lone continuation byte, 0xFF/0xFE, an overlong "/", a surrogate
# (U+D800) and a truncated 4-byte sequence.
INVALID_UTF8 = b"\x80 \xff\xfe \xc0\xaf \xed\xa0\x80 \xf0\x9f\x98"


def page(title: str, body: str, links: tuple[str, ...] = ()) -> bytes:
    """A small HTML page with a title, a paragraph and links."""
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><main><h1>{title}</h1>"
        f"<p>{body}</p><ul>{anchors}</ul></main></body></html>"
    ).encode()


@cache
def gzip_bomb(size: int = BOMB_BYTES) -> bytes:
    """A gzip stream of `size` zero bytes behind a tiny HTML prefix (about 1 MB per GB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(b"<html><title>Bomb</title><body><p>")]
    zeros = bytes(1024**2)
    parts += [packer.compress(zeros) for _ in range(size // len(zeros))]
    parts.append(packer.flush())
    return b"".join(parts)


class HostileSite:
    """The server state of one trap: which trap, and a count of requests per path."""

    def __init__(self, trap: str) -> None:
        if trap not in TRAPS:
            raise ValueError(f"unknown trap {trap!r}; one of {', '.join(TRAPS)}")
        self.trap = trap
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}  # path -> arrival times (time.monotonic)
        self.bytes_sent: Counter[str] = Counter()
        if trap == "gzip_bomb":
            gzip_bomb()  # built before serving (seconds of CPU), not inside the first request

    def app(self) -> web.Application:
        """The aiohttp application of this trap."""
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Count the request, then answer it."""
        path = request.path
        self.hits[path] += 1
        self.times.setdefault(path, []).append(time.monotonic())
        return await self.route(request, path)

    async def route(self, request: web.Request, path: str) -> web.StreamResponse:
        """The response for path under this trap."""
        if path == "/robots.txt":
            return await self.robots(request)
        if path == "/":
            links = ("/ok.html", *TRAP_LINKS[self.trap])
            return html(page("Hostile home", f"The {self.trap} trap.", links))
        if path == "/ok.html":
            return html(page("An ordinary page", "Nothing strange here."))
        if path.startswith(("/sitemap", "/sm/")):
            return self.sitemap(path)
        handler = getattr(self, f"trap_{self.trap}")
        response: web.StreamResponse = await handler(request, path)
        return response

    # --- robots.txt and sitemaps -----------------------------------------------------------

    async def robots(self, request: web.Request) -> web.StreamResponse:
        """A plain robots.txt, or a 50 MB one, or one that fails before it recovers."""
        rules = b"User-agent: *\nDisallow: /private/\n"
        if self.trap == "sitemap_recursion":
            rules += f"Sitemap: http://{request.host}/sitemap.xml\n".encode()
        if self.trap == "errors_then_recovery" and self.hits["/robots.txt"] <= FLAKY_FAILURES:
            return web.Response(status=503, text="busy", headers={"Retry-After": "1"})
        if self.trap != "robots_huge":
            return web.Response(body=rules, content_type="text/plain")
        filler = b"# " + b"x" * (CHUNK - 4) + b"\n"
        return await self.stream(request, "/robots.txt", rules, filler, ROBOTS_BYTES, "text/plain")

    def sitemap(self, path: str) -> web.StreamResponse:
        """Sitemap indexes that name themselves, each other, and an endless fan of new indexes."""
        if self.trap != "sitemap_recursion":
            return web.Response(status=404, text="no sitemap")
        if path == "/sm/pages.xml":
            return xml(urlset(["/ok.html", "/from-sitemap.html"]))
        children = {
            "/sitemap.xml": ["/sitemap.xml", "/sm/a.xml", "/sm/fan-1.xml"],
            "/sm/a.xml": ["/sm/b.xml", "/sitemap.xml", "/sm/a.xml"],
            "/sm/b.xml": ["/sm/a.xml", "/sm/pages.xml", "/sitemap.xml"],
        }.get(path)
        if children is None and path.startswith("/sm/fan-") and path.endswith(".xml"):
            n = int(path.removeprefix("/sm/fan-").removesuffix(".xml") or 0)
            children = [f"/sm/fan-{10 * n + i}.xml" for i in range(10)] + ["/sitemap.xml"]
        if children is None:
            return web.Response(status=404, text="no sitemap")
        return xml(sitemap_index(children))

    # --- the traps -------------------------------------------------------------------------

    async def trap_redirect_loop(self, request: web.Request, path: str) -> web.StreamResponse:
        """a -> b -> a forever, and a chain of ever new URLs that never ends."""
        if path in ("/loop/a.html", "/loop/b.html"):
            other = "/loop/b.html" if path == "/loop/a.html" else "/loop/a.html"
            return redirect(other)
        if path.startswith("/chain/"):
            n = int(path.removeprefix("/chain/").removesuffix(".html") or 0)
            return redirect(f"/chain/{n + 1}.html")
        return not_found()

    async def trap_calendar(self, request: web.Request, path: str) -> web.StreamResponse:
        """An index of 10,000 day pages, each linking the next and previous day and its month."""
        if path == "/calendar/":
            return html(page("Calendar", "Every day.", tuple(day_paths())))
        day = path.removeprefix("/calendar/").removesuffix(".html")
        try:
            when = date.fromisoformat(day)
        except ValueError:
            return not_found()
        near = (when - timedelta(days=1), when + timedelta(days=1), when + timedelta(days=30))
        return html(page(f"Events on {day}", "No events.", tuple(day_path(d) for d in near)))

    async def trap_huge_body(self, request: web.Request, path: str) -> web.StreamResponse:
        """A 1 GB page that says so in Content-Length, and streams it if asked."""
        if path != "/huge.html":
            return not_found()
        head = b"<html><title>Huge</title><body>"
        filler = b"<p>" + b"huge " * (CHUNK // 5 - 2) + b"</p>"
        return await self.stream(request, path, head, filler, HUGE_BYTES, HTML)

    async def trap_endless_chunked(self, request: web.Request, path: str) -> web.StreamResponse:
        """A chunked page that never ends (no Content-Length)."""
        if path != "/endless.html":
            return not_found()
        head = b"<html><title>Endless</title><body>"
        filler = b"<p>" + b"more " * (CHUNK // 5 - 2) + b"</p>"
        return await self.stream(request, path, head, filler, ENDLESS_BYTES, HTML, chunked=True)

    async def trap_gzip_bomb(self, request: web.Request, path: str) -> web.StreamResponse:
        """About 1 MB on the wire that inflates to 1 GB."""
        if path != "/bomb.html":
            return not_found()
        body = gzip_bomb()
        headers = {"Content-Encoding": "gzip", "Content-Type": HTML}
        return await self.stream_bytes(request, path, body, headers)

    async def trap_slowloris(self, request: web.Request, path: str) -> web.StreamResponse:
        """Headers at once, then the body at one byte a second, for as long as anyone listens."""
        if path != "/slow.html":
            return not_found()
        response = web.StreamResponse(headers={"Content-Type": HTML})
        await response.prepare(request)
        began = time.monotonic()
        try:
            for byte in (b"<html><title>Slow</title>" + b"." * 10_000)[:10_000]:
                if time.monotonic() - began > STREAM_SECONDS:
                    break
                await response.write(bytes([byte]))
                self.bytes_sent[path] += 1
                await asyncio.sleep(1.0)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    async def trap_invalid_utf8(self, request: web.Request, path: str) -> web.StreamResponse:
        """A page declared UTF-8 whose title and text hold bytes that are not."""
        if path != "/bad-utf8.html":
            return not_found()
        body = (
            b"<!doctype html><html><head><meta charset=utf-8><title>Broken "
            + INVALID_UTF8
            + b" bytes</title></head><body><main><h1>Broken bytes</h1><p>Text "
            + INVALID_UTF8
            + b" with bad bytes and enough words to be a real page.</p></main></body></html>"
        )
        return web.Response(body=body, headers={"Content-Type": HTML})

    async def trap_robots_huge(self, request: web.Request, path: str) -> web.StreamResponse:
        """Only robots.txt is hostile here; the disallowed page exists to be refused."""
        if path == "/private/secret.html":
            return html(page("Secret", "robots.txt disallows this page."))
        return not_found()

    async def trap_sitemap_recursion(self, request: web.Request, path: str) -> web.StreamResponse:
        """The pages the sitemaps list."""
        if path == "/from-sitemap.html":
            return html(page("Listed in a sitemap", "Found through the sitemap cycle."))
        return not_found()

    async def trap_errors_then_recovery(
        self, request: web.Request, path: str
    ) -> web.StreamResponse:
        """A page that answers 500 twice, then recovers."""
        if path != "/flaky.html":
            return not_found()
        if self.hits[path] <= FLAKY_FAILURES:
            return web.Response(
                status=500, text="<h1>Internal error</h1>", content_type="text/html"
            )
        return html(page("Flaky", "Back on its feet."))

    async def trap_retry_after(self, request: web.Request, path: str) -> web.StreamResponse:
        """429 with Retry-After: 1 twice then the page; and one that asks for an hour's wait."""
        if path == "/busy.html":
            if self.hits[path] <= BUSY_FAILURES:
                return web.Response(status=429, text="slow down", headers={"Retry-After": "1"})
            return html(page("Busy", "Answered after waiting."))
        if path == "/busy-long.html":
            return web.Response(status=429, text="come back later", headers={"Retry-After": "3600"})
        return not_found()

    # --- streaming -------------------------------------------------------------------------

    async def stream(
        self,
        request: web.Request,
        path: str,
        head: bytes,
        filler: bytes,
        total: int,
        content_type: str,
        *,
        chunked: bool = False,
    ) -> web.StreamResponse:
        """Send head then filler repeatedly up to total bytes, never building the whole body."""
        response = web.StreamResponse(headers={"Content-Type": content_type})
        if chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = total
        await response.prepare(request)
        began, sent = time.monotonic(), 0
        try:
            chunk = head
            while sent < total and time.monotonic() - began < STREAM_SECONDS:
                chunk = chunk[: total - sent]
                await response.write(chunk)
                sent += len(chunk)
                chunk = filler
        except (ConnectionError, asyncio.CancelledError):
            pass
        self.bytes_sent[path] += sent
        return response

    async def stream_bytes(
        self, request: web.Request, path: str, body: bytes, headers: dict[str, str]
    ) -> web.StreamResponse:
        """Send a prepared body in chunks with its Content-Length, stopping if the client leaves."""
        response = web.StreamResponse(headers=headers)
        response.content_length = len(body)
        await response.prepare(request)
        view = memoryview(body)
        try:
            for start in range(0, len(body), CHUNK):
                await response.write(view[start : start + CHUNK])
                self.bytes_sent[path] += len(view[start : start + CHUNK])
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response


def day_path(day: date) -> str:
    """The URL path of one calendar day."""
    return f"/calendar/{day.isoformat()}.html"


def day_paths() -> list[str]:
    """The 10,000 day pages the calendar index links."""
    first = date(2000, 1, 1)
    return [day_path(first + timedelta(days=n)) for n in range(CALENDAR_DAYS)]


def html(body: bytes) -> web.Response:
    """An HTML response."""
    return web.Response(body=body, headers={"Content-Type": HTML})


def xml(text: str) -> web.Response:
    """An XML response."""
    return web.Response(text=text, content_type="application/xml")


def redirect(location: str) -> web.Response:
    """A 302 to location."""
    return web.Response(status=302, headers={"Location": location})


def not_found() -> web.Response:
    """A 404 page."""
    return web.Response(status=404, text="<h1>Not found</h1>", content_type="text/html")


def sitemap_index(paths: list[str]) -> str:
    """A <sitemapindex> naming paths (relative locs: the parser resolves them on the sitemap)."""
    locs = "".join(f"<sitemap><loc>{p}</loc></sitemap>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</sitemapindex>'
    )


def urlset(paths: list[str]) -> str:
    """A <urlset> of paths."""
    locs = "".join(f"<url><loc>{p}</loc></url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    )


def main(argv: list[str] | None = None) -> None:
    """Serve one trap in the foreground."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trap", choices=TRAPS)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args(argv)
    serve_forever(HostileSite(args.trap).app(), args.port)


if __name__ == "__main__":
    main()
