"""Running generate again on the same folder recrawls with conditional GETs and reuses what did not change."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from llmstxt.config import CrawlConfig
from llmstxt.crawl.state import CrawlState
from llmstxt.errors import DegradedCrawl
from llmstxt.pipeline import STATE_FILE, generate
from tests.sites.serve import BackgroundServer

FILLER = "<p>" + "Words that make a page worth its bytes. " * 60 + "</p>"


class Site:
    """Five pages with ETags; a page's title can be changed between crawls."""

    def __init__(self) -> None:
        self.titles = {"a": "Alpha", "b": "Bravo", "c": "Charlie", "d": "Delta"}
        self.log: list[tuple[str, int]] = []

    def page(self, name: str) -> str:
        links = "".join(f'<li><a href="/{p}.html">{t}</a></li>' for p, t in self.titles.items())
        title = self.titles.get(name, "Home")
        return (
            f"<html><head><title>{title} | Recrawl</title></head><body><nav><ul>{links}</ul></nav>"
            f"<main><h1>{title}</h1><p>The {title} page says enough to be kept.</p>{FILLER}</main>"
            "</body></html>"
        )

    async def handle(self, request: web.Request) -> web.Response:
        name = "home" if request.path == "/" else request.path.strip("/").removesuffix(".html")
        if name != "home" and name not in self.titles:
            self.log.append((request.path, 404))
            return web.Response(status=404)
        body = self.page(name).encode()
        etag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'
        status = 304 if request.headers.get("If-None-Match") == etag else 200
        self.log.append((request.path, status))
        if status == 304:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="text/html", headers={"ETag": etag})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self.handle)
        return app


def _crawl(base: str, out: Path) -> Any:
    config = CrawlConfig(start_url=base + "/", extract_workers=0)
    return asyncio.run(generate(config, out))


def test_second_run_costs_304s_and_gives_the_same_bytes(tmp_path: Path) -> None:
    site = Site()
    with BackgroundServer(site.app) as server:
        first = _crawl(server.base, tmp_path)
        site.log.clear()
        second = _crawl(server.base, tmp_path)
    pages = [status for path, status in site.log if path.endswith((".html", "/"))]
    assert pages and all(status == 304 for status in pages)
    assert second.report["pages"]["not_modified"] == first.report["pages"]["kept"] == 5
    assert second.llms_txt == first.llms_txt
    assert second.llms_full_txt == first.llms_full_txt
    assert second.report["bytes"] < first.report["bytes"] / 20


def test_a_changed_page_is_fetched_again_and_shows_up(tmp_path: Path) -> None:
    site = Site()
    with BackgroundServer(site.app) as server:
        _crawl(server.base, tmp_path)
        site.titles["b"] = "Bravissimo"
        site.log.clear()
        second = _crawl(server.base, tmp_path)
    fetched = {path for path, status in site.log if status == 200}
    # Every page's nav shows b's title, so every page changed and comes back in full.
    assert "/b.html" in fetched
    assert "[Bravissimo](" in second.llms_txt and "[Bravo](" not in second.llms_txt


def test_state_from_another_site_is_ignored(tmp_path: Path) -> None:
    site = Site()
    with BackgroundServer(site.app) as server:
        _crawl(server.base, tmp_path)
    assert (tmp_path / STATE_FILE).is_file()
    with BackgroundServer(site.app) as other:  # a new port: another start URL
        site.log.clear()
        result = _crawl(other.base, tmp_path)
    assert result.report["pages"]["not_modified"] == 0
    assert all(status == 200 for path, status in site.log if path.endswith(".html"))


def test_a_recrawl_that_loses_most_pages_leaves_the_good_output(tmp_path: Path) -> None:
    site = Site()
    with BackgroundServer(site.app) as server:
        first = _crawl(server.base, tmp_path)
        good = (tmp_path / "llms.txt").read_bytes()
        site.titles = {"a": "Alpha"}  # b, c and d now answer 404 and the nav lists only a
        with pytest.raises(DegradedCrawl):
            _crawl(server.base, tmp_path)
    assert first.report["pages"]["kept"] == 5
    assert (tmp_path / "llms.txt").read_bytes() == good
    state = CrawlState.load(tmp_path / STATE_FILE, server.base + "/")
    assert state is not None and len(state.pages) == 5  # the good crawl's state, kept too
    state.close()


def test_a_smaller_page_budget_is_not_a_loss(tmp_path: Path) -> None:
    site = Site()
    with BackgroundServer(site.app) as server:
        _crawl(server.base, tmp_path)
        config = CrawlConfig(start_url=server.base + "/", max_pages=2, extract_workers=0)
        second = asyncio.run(generate(config, tmp_path))
    assert second.report["pages"]["kept"] == 2
