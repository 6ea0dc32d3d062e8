"""The records that flow through the pipeline: pure data, no behaviour beyond small helpers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link of a site's navigation (nav, sidebar, toctree), in document order.

    `path` holds the titles of the groups that enclose the link, outermost first: a link under a
    sidebar caption "Tutorials" has path ("Tutorials",); a link nested under the top-level item
    "Guide" has path ("Guide",); a top-level link has path (). `url` is absolute and canonical,
    or "" for a group label that is not a link.
    """

    title: str
    url: str
    path: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """What extraction learns from one HTML page; the HTML itself is not kept.

    Titles and descriptions are raw here (the site-name suffix and shared boilerplate are removed
    by compose, which sees every page). `markdown` is the main content, or None when not asked for.
    """

    url: str
    title: str = ""
    h1: str = ""
    og_title: str = ""
    site_name: str = ""
    description: str = ""
    description_source: str = ""  # "meta" | "og" | "paragraph" | ""
    nav: tuple[NavItem, ...] = ()
    breadcrumbs: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    canonical: str = ""
    noindex: bool = False
    nofollow: bool = False
    markdown_url: str = ""
    lang: str = ""
    content_hash: str = ""
    markdown: str | None = None
    js_shell: bool = False  # the page has almost no text without JavaScript


@dataclass(frozen=True, slots=True)
class PageRecord:
    """A crawled URL and its outcome: an extracted page, or the reason it was not kept."""

    url: str
    depth: int
    status: int = 0
    page: Page | None = None
    skipped: str = ""  # why it was not kept: "noindex", "not_html", "duplicate", "robots", ...
    error: str = ""  # error kind when the fetch failed: "timeout", "connect", "http_404", ...
    etag: str = ""
    last_modified: str = ""
    lastmod: str = ""  # from the sitemap
    sitemap_order: int = -1  # position in the sitemaps, -1 when found by links only
    # Why the last crawl's page was reused: "not_modified" (the server answered 304) or
    # "lastmod" (not requested at all: its sitemap <lastmod> is the one the last crawl saw).
    reused: str = ""

    @property
    def kept(self) -> bool:
        """True when the page belongs in the output."""
        return self.page is not None and not self.skipped and not self.error
