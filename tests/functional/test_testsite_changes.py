"""The test site's --changed N: exactly N pages differ (body, ETag, Last-Modified, sitemap lastmod)."""

from __future__ import annotations

import gzip
import re

import httpx2

from tests.sites.model import SiteSpec
from tests.sites.serve import BackgroundServer
from tests.sites.testsite import TestSite, main


def snapshot(spec: SiteSpec) -> tuple[dict[str, tuple[bytes, str, str]], dict[str, str]]:
    """Every page's (body, ETag, Last-Modified) and every sitemap lastmod, by path."""
    site = TestSite(spec)
    with BackgroundServer(site.app) as server, httpx2.Client(base_url=server.base) as client:
        pages = {}
        for path in site.site.pages:
            r = client.get(path)
            pages[path] = (r.content, r.headers.get("etag", ""), r.headers.get("last-modified", ""))
        lastmods = {}
        for name in ("docs", "blog"):
            xml = gzip.decompress(client.get(f"/sitemaps/{name}.xml.gz").content).decode()
            for loc, lastmod in re.findall(r"<loc>([^<]+)</loc><lastmod>([^<]+)</lastmod>", xml):
                lastmods[loc.removeprefix(server.base)] = lastmod
    return pages, lastmods


def test_changed_pages_differ_in_body_validators_and_lastmod_and_no_other_does() -> None:
    before, before_dates = snapshot(SiteSpec(pages=120, traps=False))
    after, after_dates = snapshot(SiteSpec(pages=120, traps=False, changed=3))
    differ = {p for p in before if before[p] != after[p]}
    assert len(differ) == 3
    for path in differ:
        (old, old_etag, old_date), (new, new_etag, new_date) = before[path], after[path]
        assert old != new and old_etag != new_etag and old_date != new_date
    assert {p for p in before_dates if before_dates[p] != after_dates[p]} == differ
    assert TestSite(SiteSpec(pages=120, changed=3)).site.revise(3) == sorted(
        differ, key=list(before).index
    )  # the same pages every time, in site order


def test_more_changed_pages_than_the_site_has_are_refused() -> None:
    try:
        main(["--changed", "999999", "--pages", "20"])
    except ValueError as exc:
        assert "can be revised" in str(exc)
    else:
        raise AssertionError("an impossible --changed must be refused")
