"""The test sites themselves: they serve what the generator tests rely on."""

from __future__ import annotations

import gzip
import re
from collections import deque
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx2
import lxml.html

from tests.sites.model import BUSY_PATH, LATIN1_PATH, LATIN1_TITLE, SECTIONS
from tests.sites.serve import BackgroundServer
from tests.sites.static import static_app


def crawl_links(base: str, client: httpx2.Client) -> set[str]:
    """Every same-host page path reachable by <a href> from /, ignoring robots.txt."""
    seen, queue = {"/"}, deque(["/"])
    while queue:
        path = queue.popleft()
        response = client.get(base + path)
        if response.status_code != 200 or "html" not in response.headers["content-type"]:
            continue
        for href in lxml.html.fromstring(response.content).xpath("//a/@href"):
            target = urlsplit(urljoin(base + path, href))
            if target.netloc != urlsplit(base).netloc or target.query or target.path in seen:
                continue
            if not target.path.startswith(("/trap/", "/calendar")):
                seen.add(target.path)
                queue.append(target.path)
    return seen


def test_every_page_is_reachable_by_links(serve_site: Any) -> None:
    """All indexable pages, sitemap-listed or not, can be found from the home page by links."""
    site, base = serve_site(pages=120)
    with httpx2.Client() as client:
        found = crawl_links(base, client)
    assert site.site.expected_kept(ignore_robots=True) - {BUSY_PATH, LATIN1_PATH} <= found


def test_robots_and_gzipped_sitemaps(serve_site: Any) -> None:
    """robots.txt names the sitemap index; its children are gzip files; some pages are left out."""
    site, base = serve_site(pages=60)
    with httpx2.Client() as client:
        robots = client.get(base + "/robots.txt").text
        assert "Disallow: /private/" in robots
        index_url = re.search(r"Sitemap: (\S+)", robots).group(1)  # type: ignore[union-attr]
        children = re.findall(r"<loc>(.*?)</loc>", client.get(index_url).text)
        assert [urlsplit(c).path for c in children] == [
            "/sitemaps/docs.xml.gz",
            "/sitemaps/blog.xml.gz",
        ]
        listed = set()
        for child in children:
            xml = gzip.decompress(client.get(child).content).decode()
            listed |= {urlsplit(u).path for u in re.findall(r"<loc>(.*?)</loc>", xml)}
    expected = site.site.expected_kept()
    assert listed < expected
    assert len(expected - listed) >= 3


def test_pages_are_gzipped_and_conditional(serve_site: Any) -> None:
    """Pages go out gzip-encoded with an ETag; a matching If-None-Match gets 304."""
    _, base = serve_site(pages=20)
    with httpx2.Client() as client:
        page = client.get(base + "/docs/guide/")
        assert page.headers["content-encoding"] == "gzip"
        assert "<title>Guide | Acme Docs</title>" in page.text
        again = client.get(base + "/docs/guide/", headers={"If-None-Match": page.headers["etag"]})
        assert again.status_code == 304
        since = {"If-Modified-Since": page.headers["last-modified"]}
        assert client.get(base + "/docs/guide/", headers=since).status_code == 304


def test_traps_misbehave(serve_site: Any) -> None:
    """429 then 200, a redirect loop, 500, and windows-1252 bytes."""
    _, base = serve_site(pages=20, busy_times=1)
    with httpx2.Client() as client:
        first, second = client.get(base + BUSY_PATH), client.get(base + BUSY_PATH)
        assert (first.status_code, first.headers["retry-after"], second.status_code) == (
            429,
            "1",
            200,
        )
        loop = client.get(base + "/trap/loop-a.html")
        assert loop.status_code == 302 and loop.headers["location"] == "/trap/loop-b.html"
        assert client.get(base + "/trap/error.html").status_code == 500
        latin = client.get(base + LATIN1_PATH)
        assert latin.encoding == "windows-1252"
        assert LATIN1_TITLE in latin.text
        assert b"\x96" in latin.content  # the en dash, as windows-1252 writes it


def test_top_nav_order_is_not_alphabetical() -> None:
    """The section order the generator must follow differs from the sorted one."""
    titles = [s.title for s in SECTIONS]
    assert titles != sorted(titles)


def test_static_server_serves_index_and_404(tmp_path: Any) -> None:
    """The static server maps a directory to its index.html and refuses paths outside the root."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text("<title>Sub</title>")
    with BackgroundServer(lambda: static_app(tmp_path)) as server, httpx2.Client() as client:
        assert client.get(server.base + "/sub/").text == "<title>Sub</title>"
        assert client.get(server.base + "/sub", follow_redirects=True).status_code == 200
        assert client.get(server.base + "/nope.html").status_code == 404
        assert client.get(server.base + "/../../etc/passwd").status_code == 404
