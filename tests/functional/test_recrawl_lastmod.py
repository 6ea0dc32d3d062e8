"""Recrawls skip pages whose sitemap <lastmod> has not moved, and still catch every change."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llmstxt.config import CrawlConfig
from llmstxt.pipeline import generate
from tests.sites.model import SiteSpec
from tests.sites.serve import BackgroundServer
from tests.sites.testsite import TestSite


@pytest.fixture
def site() -> Iterator[tuple[TestSite, str]]:
    """A 80-page documentation site on loopback (ETags, Last-Modified, sitemap lastmods)."""
    site = TestSite(SiteSpec(pages=80, traps=False))
    with BackgroundServer(site.app) as server:
        yield site, server.base


def crawl(base: str, out: Path, full: bool = True) -> Any:
    """One CLI-style run into out (a recrawl when out holds an earlier run's state)."""
    config = CrawlConfig(start_url=base + "/", full=full, extract_workers=0)
    return asyncio.run(generate(config, out))


def page_hits(site: TestSite) -> list[tuple[str, int]]:
    """(path, status) of each request for one of the site's pages since the log was cleared."""
    return [(h.path, h.status) for h in site.log if h.path in site.site.pages]


def in_sitemap(site: TestSite, path: str) -> bool:
    """True when the sitemaps list path."""
    return site.site.pages[path].in_sitemap


def test_an_unchanged_recrawl_requests_no_page_the_sitemap_dates(
    site: tuple[TestSite, str], tmp_path: Path
) -> None:
    server, base = site
    first = crawl(base, tmp_path)
    crawl(base, tmp_path)  # learns the lastmod of pages the first crawl fetched before the sitemaps
    server.log.clear()
    third = crawl(base, tmp_path)
    hits = page_hits(server)
    asked = {path for path, _ in hits}
    # Only the start page (always fetched first) and pages outside the sitemaps are asked for.
    assert {p for p in asked if in_sitemap(server, p)} == {"/"}
    assert hits and all(status == 304 for _, status in hits)
    pages = third.report["pages"]
    dated = sum(1 for r in third.records if r.kept and r.lastmod and r.url != base + "/")
    assert pages["unchanged"] == dated > 50  # every page the sitemaps date, but the start page
    assert pages["unchanged"] + pages["not_modified"] == pages["fetched"] - pages["failed"]
    assert pages["kept"] == first.report["pages"]["kept"]
    assert third.llms_txt == first.llms_txt and third.llms_full_txt == first.llms_full_txt
    assert {row.get("reused") for row in third.report["urls"] if row.get("kept")} == {
        "lastmod",
        "not_modified",
    }


def test_pages_whose_lastmod_moved_are_fetched_again_and_only_those(
    site: tuple[TestSite, str], tmp_path: Path
) -> None:
    server, base = site
    crawl(base, tmp_path)
    crawl(base, tmp_path)
    changed = server.site.revise(3)
    server.log.clear()
    result = crawl(base, tmp_path)
    fetched = sorted(path for path, status in page_hits(server) if status == 200)
    assert fetched == sorted(changed)
    for path in changed:
        title = server.site.pages[path].title
        assert f"{title} now covers the new options" in result.llms_txt
        assert f"Revised: {title} gained new options" in result.llms_full_txt
    by_url = {r.url.removeprefix(base): r for r in result.records}
    assert all(by_url[p].status == 200 and not by_url[p].reused for p in changed)
    assert all(by_url[p].lastmod == "2024-01-02" for p in changed)


def test_a_removed_page_is_asked_for_and_dropped(
    site: tuple[TestSite, str], tmp_path: Path
) -> None:
    server, base = site
    crawl(base, tmp_path)
    crawl(base, tmp_path)
    gone = server.site.revise(1)[0]  # an ordinary page that other pages' sidebars link
    server.site.revise(0)
    del server.site.pages[gone]  # now 404 and out of the sitemaps; unchanged pages still link it
    server.log.clear()
    result = crawl(base, tmp_path)
    assert (gone, 404) in [(h.path, h.status) for h in server.log]
    assert base + gone not in result.llms_txt
    assert not any(r.kept for r in result.records if r.url == base + gone)
    result = crawl(base, tmp_path)  # and the next recrawl does not bring it back
    assert base + gone not in result.llms_txt


def test_a_full_recrawl_after_a_no_full_crawl_fetches_every_page(
    site: tuple[TestSite, str], tmp_path: Path
) -> None:
    server, base = site
    crawl(base, tmp_path, full=False)
    server.log.clear()
    result = crawl(base, tmp_path, full=True)  # the state holds no Markdown to reuse
    pages = result.report["pages"]
    assert pages["unchanged"] == pages["not_modified"] == 0
    assert all(status == 200 for _, status in page_hits(server))
    assert result.llms_full_txt and "## " in result.llms_full_txt
