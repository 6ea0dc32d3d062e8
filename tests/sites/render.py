"""HTML, robots.txt and sitemaps of the generated test site."""

from __future__ import annotations

import gzip
import random
from html import escape
from xml.sax.saxutils import escape as xml_escape

from tests.sites.model import (
    BUSY_PATH,
    CALENDAR_PATH,
    HOME_DESCRIPTION,
    LATIN1_PATH,
    SECTIONS,
    SITE_NAME,
    TRAPS,
    WORDS,
    PageSpec,
    Site,
)

OFF_SITE = ("https://example.org/acme", "https://github.com/acme/acme")
LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"
REVISED_LAST_MODIFIED = "Tue, 02 Jan 2024 00:00:00 GMT"  # of a revised page
LASTMOD, REVISED_LASTMOD = "2024-01-01", "2024-01-02"  # sitemap <lastmod>
# real documentation pages carry inline scripts; a parser must skip them
THEME_SCRIPT = (
    "document.documentElement.dataset.theme = localStorage.getItem('theme') || 'auto';"
    + "window.ACME = {version: '3.2', languages: ['en', 'fr', 'de', 'ja'], search: '/search'};" * 12
)


def robots_txt(site: Site, base: str) -> str:
    """robots.txt: a sitemap index, /private/ disallowed, an optional Crawl-delay."""
    lines = ["User-agent: *", "Disallow: /private/"]
    if site.spec.crawl_delay:
        lines.append(f"Crawl-delay: {site.spec.crawl_delay:g}")
    lines += ["", f"Sitemap: {base}/sitemap_index.xml", ""]
    return "\n".join(lines)


def sitemap_index(base: str) -> str:
    """The sitemap index pointing at two gzipped child sitemaps."""
    items = "".join(
        f"<sitemap><loc>{base}/sitemaps/{name}.xml.gz</loc></sitemap>" for name in ("docs", "blog")
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>\n'
    )


def child_sitemap(site: Site, base: str, name: str) -> bytes:
    """One gzipped child sitemap: blog pages in "blog", everything else in "docs"."""
    pages = [
        p
        for p in site.pages.values()
        if p.in_sitemap and (p.path.startswith("/blog/") == (name == "blog"))
    ]
    body = "".join(
        f"<url><loc>{xml_escape(base + p.path)}</loc>"
        f"<lastmod>{REVISED_LASTMOD if p.revised else LASTMOD}</lastmod></url>"
        for p in pages
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>\n'
    )
    return gzip.compress(xml.encode(), mtime=0)


def page_html(site: Site, page: PageSpec, *, canonical: bool = True) -> str:
    """A complete documentation page: head, top nav, sidebar, article, footer."""
    head = _head(page, canonical)
    article = _article(site, page)
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n{head}</head>\n<body>\n'
        f'<header><a class="logo" href="/">{SITE_NAME}</a>\n{_top_nav(page)}'
        f'<form action="/search"><input name="q"></form> <a href="/login">Log in</a></header>\n'
        f'<div class="layout">\n{_sidebar(site, page)}<main>\n{article}</main>\n</div>\n'
        f"{_footer(site)}</body>\n</html>\n"
    )


def _head(page: PageSpec, canonical: bool) -> str:
    """The <head>: title with the site suffix, descriptions, robots, canonical, feed."""
    parts = [
        '<meta charset="utf-8">',
        f"<title>{escape(_full_title(page))}</title>",
        f'<meta property="og:site_name" content="{SITE_NAME}">',
        '<link rel="alternate" type="application/rss+xml" title="Acme blog" href="/feed.xml">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        *(
            f'<link rel="stylesheet" href="/_static/{n}.css">'
            for n in ("theme", "pygments", "custom")
        ),
        *(f'<script src="/_static/{n}.js"></script>' for n in ("doctools", "search", "theme")),
        f"<script>{THEME_SCRIPT}</script>",
    ]
    if page.description is not None:
        parts.append(f'<meta name="description" content="{escape(description(page))}">')
    if page.kind == "noindex":
        parts.append('<meta name="robots" content="noindex, follow">')
    target = page.canonical or (page.path if page.same_as is None else None)
    if canonical and target:
        parts.append(f'<link rel="canonical" href="{target}">')
    return "".join(f"  {p}\n" for p in parts)


def description(page: PageSpec) -> str | None:
    """The page's meta description; a revised page says something new (and its own)."""
    if page.revised:
        return f"{page.title} now covers the new options, with updated examples."
    return page.description


def _full_title(page: PageSpec) -> str:
    """The <title> as real sites write it."""
    return SITE_NAME if page.kind == "home" else f"{page.title} | {SITE_NAME}"


def _top_nav(page: PageSpec) -> str:
    """The shared top navigation, in the site's own order."""
    links = "".join(
        f'<li><a href="{s.prefix}"{" class=active" if s.key == page.section else ""}>'
        f"{escape(s.title)}</a></li>"
        for s in SECTIONS
    )
    return f'<nav class="top"><ul>{links}</ul></nav>\n'


def _sidebar(site: Site, page: PageSpec) -> str:
    """The section sidebar: its chapter heads, and the pages of the current chapter."""
    if not page.section:
        return ""
    items = []
    current = site.chapter(page.section, page.chapter)
    for number, head in enumerate(site.chapter_heads(page.section)):
        items.append(f'<li><a href="{head.path}">{escape(head.title)}</a>')
        if number == page.chapter:
            sub = "".join(f'<li><a href="{p.path}">{escape(p.title)}</a></li>' for p in current[1:])
            items.append(f"<ul>{sub}</ul>")
        items.append("</li>")
    return f'<aside class="sidebar"><nav><ul>{"".join(items)}</ul></nav></aside>\n'


def _article(site: Site, page: PageSpec) -> str:
    """The main content: heading, sections of prose with code and a table, then the page's links."""
    rng = random.Random(page.path if page.same_as is None else page.same_as)
    h1 = SITE_NAME if page.kind == "home" else page.title
    headings = [
        f"{rng.choice(WORDS).title()} {rng.choice(WORDS)}" for _ in range(rng.randint(3, 6))
    ]
    toc = "".join(f'<li><a href="#s{i}">{h}</a></li>' for i, h in enumerate(headings))
    body = "".join(_subsection(rng, i, h) for i, h in enumerate(headings))
    if page.revised:
        body = f"<p>Revised: {escape(page.title)} gained new options this week.</p>\n" + body
    return (
        f'<article>\n<h1>{escape(h1)}</h1>\n<p class="lead">{_sentence(rng, 30)}</p>\n'
        f'<nav class="page-toc"><ul>{toc}</ul></nav>\n{body}{_page_links(site, page)}</article>\n'
    )


def _subsection(rng: random.Random, number: int, heading: str) -> str:
    """One h2 section: a few paragraphs, a code sample and an options table."""
    paragraphs = "".join(
        f"<p>{_sentence(rng, rng.randint(50, 90))}</p>\n" for _ in range(rng.randint(3, 6))
    )
    code = (
        f"<pre><code>import acme\n\nclient = acme.Client(retries={rng.randint(1, 9)})\n"
        f"result = client.{rng.choice(WORDS)}({rng.choice(WORDS)!r})\n</code></pre>\n"
    )
    rows = "".join(
        f"<tr><td><code>{rng.choice(WORDS)}</code></td><td>{rng.randint(1, 500)}</td>"
        f"<td>{_sentence(rng, 8)}</td></tr>"
        for _ in range(rng.randint(3, 8))
    )
    return (
        f'<section id="s{number}"><h2>{escape(heading)}</h2>\n{paragraphs}{code}'
        f"<table><tr><th>Option</th><th>Default</th><th>Meaning</th></tr>{rows}</table></section>\n"
    )


def _sentence(rng: random.Random, words: int) -> str:
    """Plausible filler prose."""
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _page_links(site: Site, page: PageSpec) -> str:
    """Links a page's content carries: section lists on index pages, specials on some pages."""
    links: list[tuple[str, str]] = []
    if page.kind == "home":
        links = [(s.prefix, s.title) for s in SECTIONS] + [("/docs/", "All documentation")]
    elif page.kind == "docs":
        links = [(s.prefix, s.title) for s in SECTIONS if s.prefix.startswith("/docs/")]
    elif page.kind == "index":
        links = [(p.path, p.title) for p in site.chapter_heads(page.section)]
        if page.section == "guide":
            links += _guide_specials(site)
    if not links:
        return ""
    items = "".join(f'<li><a href="{u}">{escape(t)}</a></li>' for u, t in links)
    return f'<ul class="toc">{items}</ul>\n'


def _guide_specials(site: Site) -> list[tuple[str, str]]:
    """The guide index links the noindex, duplicate and ?ref= variants like real sites do."""
    first = site.chapter("guide", 0)[0]
    specials = [
        ("/docs/guide/draft.html", "Draft"),
        ("/docs/guide/internal.html", "Internal"),
        ("/docs/guide/alias.html", "Alias"),
        ("/docs/guide/copy.html", "Copy"),
        (f"{first.path}?ref=sidebar", first.title),
        (f"{first.path}#section-2", first.title),
    ]
    if site.spec.traps:
        specials.append(("/docs/api/broken.html", "Broken page"))
    return specials


def _footer(site: Site) -> str:
    """The footer: legal, feed, files, off-site links and (when on) the traps."""
    links = [
        ("/about/", "About"),
        ("/feed.xml", "Feed"),
        ("/files/manual.pdf", "Manual (PDF)"),
        ("/images/logo.png", "Logo"),
        ("/private/roadmap.html", "Roadmap"),
        ("/logout", "Log out"),
        *((u, "Elsewhere") for u in OFF_SITE),
    ]
    if site.spec.traps:
        hidden = ("/trap/loop-b.html", "/docs/api/broken.html")  # reached via loop-a / the guide
        links += [(p, "Lab") for p in TRAPS if p not in hidden]
        links += [
            (BUSY_PATH, "Busy"),
            (LATIN1_PATH, "Café"),
            (f"{CALENDAR_PATH}?month=2024-01", "Events"),
        ]
    items = "".join(f'<li><a href="{u}">{escape(t)}</a></li>' for u, t in links)
    return f"<footer><ul>{items}</ul><p>© Acme</p></footer>\n"


def calendar_html(month: str) -> str:
    """One month of an endless calendar: each links the next and previous month."""
    year, number = (int(x) for x in month.split("-")) if "-" in month else (2024, 1)
    nxt = f"{year + number // 12}-{number % 12 + 1:02d}"
    prev = f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"
    return (
        f"<!DOCTYPE html><html><head><title>Events {month} | {SITE_NAME}</title></head><body>"
        f"<h1>Events in {month}</h1><p>Nothing scheduled this month.</p>"
        f'<a href="{CALENDAR_PATH}?month={prev}">Previous</a> '
        f'<a href="{CALENDAR_PATH}?month={nxt}">Next</a></body></html>\n'
    )


def latin1_html(site: Site, page: PageSpec) -> bytes:
    """The windows-1252 page: declared in the header and in a meta tag."""
    html = page_html(site, page).replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    return html.encode("windows-1252")


def home_description() -> str:
    """The home page's meta description (the expected llms.txt summary source)."""
    return HOME_DESCRIPTION
