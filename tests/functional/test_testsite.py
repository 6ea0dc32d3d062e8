"""The whole generator on the generated test site: coverage, order, titles, politeness and traps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from llms_txt import parse_llms_file

from tests.functional.conftest import Run, generate_sync, path_of
from tests.sites.model import (
    BUSY_PATH,
    CALENDAR_PATH,
    LATIN1_PATH,
    LATIN1_TITLE,
    SECTIONS,
    SITE_NAME,
)


def links(text: str) -> list[dict[str, Any]]:
    """Every link item of an llms.txt, as the reference parser reads it, in order."""
    parsed = parse_llms_file(text)
    return [link for items in parsed["sections"].values() for link in items]


def test_every_indexable_page_is_kept(trap_run: Run) -> None:
    """Coverage: each indexable page of the site (sitemap-listed or only linked) is kept."""
    expected = trap_run.site.site.expected_kept()
    missing = expected - trap_run.kept_paths()
    assert not missing, (
        f"{len(missing)} of {len(expected)} pages missing, e.g. {sorted(missing)[:5]}"
    )


def test_nothing_unexpected_is_kept(trap_run: Run) -> None:
    """Only indexable pages (and calendar months, which are real pages) are kept."""
    extra = {p for p in trap_run.kept_paths() if not p.startswith(CALENDAR_PATH)}
    extra -= trap_run.site.site.expected_kept()
    assert not extra


def test_llms_txt_links_every_kept_page_once(trap_run: Run) -> None:
    """Each expected page appears in llms.txt exactly once."""
    urls = [path_of(link["url"]) for link in links(trap_run.llms_txt)]
    assert len(urls) == len(set(urls))
    missing = trap_run.site.site.expected_kept() - set(urls) - {"/"}  # the H1 stands for home
    assert not missing, sorted(missing)[:5]


def test_site_name_is_the_h1_with_a_summary(trap_run: Run) -> None:
    """The H1 is the site's name, followed by a blockquote summary."""
    parsed = parse_llms_file(trap_run.llms_txt)
    assert parsed["title"] == SITE_NAME
    assert parsed["summary"]
    assert trap_run.llms_txt.startswith(f"# {SITE_NAME}\n")


def test_sections_follow_the_sites_nav_order(trap_run: Run) -> None:
    """Guide, Tutorials, API Reference come in the top nav's (non-alphabetical) order."""
    names = list(parse_llms_file(trap_run.llms_txt)["sections"])
    docs = [s.title for s in SECTIONS if s.prefix.startswith("/docs/")]
    positions = [names.index(title) for title in docs]
    assert positions == sorted(positions), names


def test_pages_sit_in_their_sections(trap_run: Run) -> None:
    """No page is listed under another top-level section than its own (Optional aside)."""
    titles = {s.key: s.title for s in SECTIONS}
    pages = trap_run.site.site.pages
    sections = parse_llms_file(trap_run.llms_txt)["sections"]
    for name, items in sections.items():
        for link in items:
            page = pages.get(path_of(link["url"]))
            if page is None or not page.section or name not in titles.values():
                continue
            assert name == titles[page.section], (name, link)
    guide = [path_of(link["url"]) for link in sections.get("Guide", [])]
    assert trap_run.site.site.chapter("guide", 0)[0].path in guide


def test_titles_lose_the_site_suffix(trap_run: Run) -> None:
    """Link titles are the page titles without " | Acme Docs"."""
    pages = trap_run.site.site.pages
    for link in links(trap_run.llms_txt):
        assert SITE_NAME not in link["title"], link
        page = pages.get(path_of(link["url"]))
        if page is not None and page.kind == "page":
            assert link["title"] == page.title


def test_no_link_to_pages_that_must_stay_out(trap_run: Run) -> None:
    """No noindex, disallowed, duplicate, trap, login, search, feed, binary or off-site link."""
    forbidden = trap_run.site.site.never_linked()
    host = urlsplit(trap_run.base).netloc
    for link in links(trap_run.llms_txt):
        parts = urlsplit(link["url"])
        assert parts.netloc == host, link
        assert path_of(link["url"]) not in forbidden, link
        assert parts.path not in forbidden, link
        assert "ref=" not in parts.query, link


def test_robots_disallow_is_obeyed(trap_run: Run) -> None:
    """/private/ is never requested when robots.txt disallows it."""
    requested = trap_run.site.paths_requested()
    assert requested[0] == "/robots.txt"
    assert not [p for p in requested if p.startswith("/private/")]


def test_ignore_robots_lifts_the_disallow(serve_site: Any, tmp_path: Path) -> None:
    """With robots ignored the disallowed page is crawled and kept."""
    site, base = serve_site(pages=20, traps=False)
    result = generate_sync(base + "/", tmp_path, respect_robots=False)
    kept = {path_of(r.url) for r in result.records if r.kept}
    assert site.site.expected_kept(ignore_robots=True) <= kept
    assert "/private/roadmap.html" in kept


def test_duplicates_collapse_to_one_page(trap_run: Run) -> None:
    """The alias (canonical), the copy (same content) and the ?ref= variant are not separate pages."""
    urls = [path_of(link["url"]) for link in links(trap_run.llms_txt)]
    guide = trap_run.site.site.chapter("guide", 0)
    assert urls.count(guide[0].path) == 1
    assert urls.count(guide[1].path) == 1
    assert not {"/docs/guide/alias.html", "/docs/guide/copy.html"} & set(urls)
    assert "duplicate" in trap_run.report["pages"]["skipped"]


def test_non_utf8_page_title_is_decoded(trap_run: Run) -> None:
    """The windows-1252 page's title arrives intact."""
    titles = {path_of(link["url"]): link["title"] for link in links(trap_run.llms_txt)}
    assert titles[LATIN1_PATH] == LATIN1_TITLE


def test_calendar_trap_is_bounded(trap_run: Run) -> None:
    """The endless calendar stops at the query-variant limit."""
    from llmstxt.config import CrawlConfig

    calendar = [p for p in trap_run.site.paths_requested() if p.startswith(CALENDAR_PATH)]
    assert 1 <= len(calendar) <= CrawlConfig(start_url="http://x/").max_query_variants + 1


def test_traps_are_reported_as_errors(trap_run: Run) -> None:
    """Redirect loop, huge page, slow page, 500 and 404 each show up as their error kind."""
    rows = {path_of(row["url"]): row for row in trap_run.report["urls"]}
    assert rows["/trap/loop-a.html"]["error"] in ("redirect_loop", "too_many_redirects")
    assert rows["/trap/huge.html"]["error"] == "too_large"
    assert rows["/trap/slow.html"]["error"] == "timeout"
    assert rows["/trap/error.html"]["error"] == "http_500"
    assert rows["/docs/api/broken.html"]["error"] == "http_500"
    assert rows["/trap/missing.html"]["error"] == "http_404"
    errors = trap_run.report["errors"]
    assert errors["too_large"] == 1 and errors["timeout"] == 1 and errors["http_404"] == 1


def test_429_is_retried_to_success(trap_run: Run) -> None:
    """The busy page answers 429 with Retry-After first; the crawler waits, retries and keeps it."""
    hits = [h for h in trap_run.site.log[: trap_run.hits] if h.path == BUSY_PATH]
    assert [h.status for h in hits][:2] == [429, 200]
    assert hits[1].at - hits[0].at >= 0.9  # Retry-After: 1
    assert BUSY_PATH in trap_run.kept_paths()


def test_gzip_responses_are_decoded(trap_run: Run) -> None:
    """The crawler asks for gzip, and the gzipped pages are read (their titles come through)."""
    pages = [
        h
        for h in trap_run.site.log[: trap_run.hits]
        if h.path.endswith(".html") and h.status == 200
    ]
    assert pages and all(
        h.gzipped for h in pages if h.path != "/trap/slow.html" and "huge" not in h.path
    )
    assert links(trap_run.llms_txt)


def test_report_counters_are_consistent(trap_run: Run) -> None:
    """report.json agrees with itself, with the records, and with the server's request log."""
    report = json.loads((trap_run.out / "report.json").read_text())
    pages, rows = report["pages"], report["urls"]
    records = trap_run.result.records
    assert pages["kept"] == sum(1 for r in records if r.kept) == sum(1 for r in rows if r["kept"])
    linked = {path_of(link["url"]) for link in links(trap_run.llms_txt)}
    assert linked <= trap_run.kept_paths() <= linked | {"/"}
    assert (
        pages["failed"] == sum(report["errors"].values()) == sum(1 for r in rows if r.get("error"))
    )
    assert pages["found"] >= pages["fetched"] >= pages["kept"] + pages["failed"]
    assert pages["found"] == len(rows)
    assert report["requests"] == trap_run.hits
    assert report["bytes"] > 0
    assert set(report["timings"]) >= {"total_s", "crawl_s", "compose_s"}
    assert report["start_url"].startswith(trap_run.base)


def test_skip_reasons_are_named(trap_run: Run) -> None:
    """Refused links are counted under the contract's reason names."""
    skipped = trap_run.report["pages"]["skipped"]
    for reason in ("noindex", "off_site", "duplicate", "robots"):
        assert skipped.get(reason, 0) >= 1, (reason, skipped)
    assert sum(skipped.get(r, 0) for r in ("login", "auth")) >= 1, skipped
    assert sum(skipped.get(r, 0) for r in ("not_html", "feed")) >= 2, skipped


def test_llms_txt_is_valid(trap_run: Run) -> None:
    """Our validator finds no problem and the reference parser reads every section."""
    from llmstxt.validate import validate

    assert validate(trap_run.llms_txt) == []
    parsed = parse_llms_file(trap_run.llms_txt)
    assert parsed["title"] and parsed["summary"] and parsed["sections"]
    assert all(link["url"].startswith("http") for link in links(trap_run.llms_txt))


def test_llms_full_holds_every_page(trap_run: Run) -> None:
    """llms-full.txt starts with the H1 and carries each linked page's content."""
    full = (trap_run.out / "llms-full.txt").read_text()
    assert full.startswith(f"# {SITE_NAME}")
    assert trap_run.result.llms_full_txt == full
    for link in links(trap_run.llms_txt)[:20]:
        assert link["url"] in full


def test_same_site_twice_gives_identical_files(serve_site: Any, tmp_path: Path) -> None:
    """Determinism: two crawls of one site write byte-identical llms.txt and llms-full.txt."""
    _, base = serve_site(pages=80, traps=False)
    first = generate_sync(base + "/", tmp_path / "a", concurrency=16)
    second = generate_sync(base + "/", tmp_path / "b", concurrency=3)
    assert (tmp_path / "a" / "llms.txt").read_bytes() == (tmp_path / "b" / "llms.txt").read_bytes()
    assert first.llms_full_txt == second.llms_full_txt
