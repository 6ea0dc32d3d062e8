"""Duplicate pages of one crawl: the same canonical link or the same content collapse to one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from llmstxt.crawl.urls import canonicalize
from llmstxt.models import PageRecord


def collapse_duplicates(records: Iterable[PageRecord], start_url: str) -> list[PageRecord]:
    """Mark pages that duplicate another as skipped: first by canonical link, then by content."""
    records = list(records)
    kept = {r.url: r for r in records if r.kept}
    dupes = {r.url for r in kept.values() if _points_elsewhere(r, kept, start_url)}
    # Of pages with the same content, the start URL wins, then one the site links in its nav or
    # sitemap, then the shortest URL.
    nav_urls = {i.url for r in kept.values() if r.page for i in r.page.nav}
    winners: dict[str, str] = {}

    def rank(r: PageRecord) -> tuple[bool, bool, bool, int, str]:
        return (r.url != start_url, r.url not in nav_urls, r.sitemap_order < 0, len(r.url), r.url)

    for r in sorted(kept.values(), key=rank):
        if r.url not in dupes and r.page and r.page.content_hash:
            winners.setdefault(r.page.content_hash, r.url)
    for r in kept.values():
        if r.url not in dupes and r.page and winners.get(r.page.content_hash, r.url) != r.url:
            dupes.add(r.url)
    return [
        dataclasses.replace(r, skipped="duplicate") if r.kept and r.url in dupes else r
        for r in records
    ]


def _points_elsewhere(r: PageRecord, kept: dict[str, PageRecord], start_url: str) -> bool:
    """True when r's canonical link names another kept page."""
    assert r.page is not None
    target = kept.get(canonicalize(r.page.canonical)) if r.page.canonical else None
    if target is None or target.url == r.url or target.page is None:
        return False
    # A site that points every canonical at its home page is misconfigured: trust content there.
    return target.url != start_url or target.page.content_hash == r.page.content_hash
