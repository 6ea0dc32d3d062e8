"""Extraction on real pages (tests/fixtures/html): titles, descriptions, nav, links, robots, hashes."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmstxt.extract import extract, trim
from llmstxt.models import NavItem, Page

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent.parent / "fixtures" / "html"
PYDOC = "https://docs.python.org/3.11/"
BOOK = "https://doc.rust-lang.org/book/"
LITERATE = "https://oprypin.github.io/mkdocs-literate-nav/"
URLS = {
    "sphinx_index.html": PYDOC + "index.html",
    "sphinx_tutorial_introduction.html": PYDOC + "tutorial/introduction.html",
    "sphinx_library_asyncio.html": PYDOC + "library/asyncio.html",
    "mkdocs_material_index.html": LITERATE,
    "mkdocs_material_reference.html": LITERATE + "reference.html",
    "mkdocs_getting_started.html": "https://www.mkdocs.org/getting-started.html",
    "mkdocs_readthedocs_install.html": "https://widgets.example/docs/guide/install/",
    "mkdocs_material9_install.html": "https://widgets.example/docs/guide/install/",
    "mdbook_data_types.html": BOOK + "ch03-02-data-types.html",
    "mdbook_parts.html": BOOK + "ch03-02-data-types.html",
    "plain_site.html": "https://acme.example/pricing/",
    "latin_cp1252.html": "https://cafe.example/recettes/",
    "spa_shell.html": "https://app.example/dashboard",
}


@cache
def page(name: str) -> Page:
    """The fixture extracted as the crawler would, from its bytes."""
    return extract(URLS[name], (FIXTURES / name).read_bytes())


def test_every_fixture_has_a_url() -> None:
    assert sorted(URLS) == sorted(p.name for p in FIXTURES.glob("*.html"))


@pytest.mark.parametrize(
    ("name", "title", "h1"),
    [
        ("sphinx_index.html", "3.11.2 Documentation", "Python 3.11.2 documentation"),
        (
            "sphinx_tutorial_introduction.html",
            "3. An Informal Introduction to Python — Python 3.11.2 documentation",
            "3. An Informal Introduction to Python",
        ),
        (
            "sphinx_library_asyncio.html",
            "asyncio — Asynchronous I/O — Python 3.11.2 documentation",
            "asyncio — Asynchronous I/O",
        ),
        ("mkdocs_material_index.html", "Overview - mkdocs-literate-nav", "mkdocs-literate-nav"),
        ("mkdocs_material_reference.html", "Reference - mkdocs-literate-nav", "Reference"),
        ("mkdocs_getting_started.html", "Getting Started - MkDocs", "Getting Started with MkDocs"),
        ("mdbook_data_types.html", "Data Types - The Rust Programming Language", ""),
        ("plain_site.html", "Pricing plans | Acme Widgets", "Pricing"),
        ("latin_cp1252.html", "Café crème brûlée – l’été", "Crème brûlée"),
        ("spa_shell.html", "Dashboard", ""),
    ],
)
def test_title_and_h1(name: str, title: str, h1: str) -> None:
    # h1 drops Sphinx "¶" and MkDocs icon-font permalinks; mdBook's menu-bar <h1> is not the page's
    assert (page(name).title, page(name).h1) == (title, h1)


def test_og_title_and_site_name() -> None:
    assert page("plain_site.html").og_title == "Acme pricing"
    assert page("plain_site.html").site_name == "Acme Widgets"
    assert page("sphinx_index.html").site_name == ""


def test_application_name_is_the_site_name_without_og() -> None:
    html = (
        '<html><head><meta name="application-name" content="Widgetry"></head><body></body></html>'
    )
    assert extract("https://w.example/", html).site_name == "Widgetry"


@pytest.mark.parametrize(
    ("name", "start", "source"),
    [
        (
            "sphinx_index.html",
            "Welcome! This is the official documentation for Python 3.11.2.",
            "paragraph",
        ),
        (
            "sphinx_library_asyncio.html",
            "asyncio is a library to write concurrent code",
            "paragraph",
        ),
        (
            "mkdocs_material_index.html",
            "Plugin for MkDocs to specify the navigation in Markdown",
            "paragraph",
        ),
        ("mdbook_data_types.html", "Every value in Rust is of a certain data type", "paragraph"),
        ("plain_site.html", "Acme widgets come in three plans", "paragraph"),
        ("latin_cp1252.html", "Recettes françaises : crème brûlée, œufs à la neige", "meta"),
    ],
)
def test_description(name: str, start: str, source: str) -> None:
    found = page(name)
    assert found.description.startswith(start)
    assert found.description_source == source
    assert len(found.description) <= 300


def test_description_skips_tiny_and_cookie_paragraphs() -> None:
    # "New!" is too short and the cookie banner is boilerplate; the first real paragraph wins
    described = page("plain_site.html").description
    assert "cookie" not in described.lower() and described != "New!"
    assert described.endswith("audit logs.")  # cut at a sentence end, within 300 characters


def test_description_from_og_when_no_meta() -> None:
    html = '<head><meta property="og:description" content="  Shared   text. "></head><p>x</p>'
    found = extract("https://o.example/", html)
    assert (found.description, found.description_source) == ("Shared text.", "og")


def test_long_paragraph_is_cut_at_a_word_not_mid_word() -> None:
    text = "word " * 100  # no sentence end: the cut falls on a word boundary
    html = f"<main><p>{text}</p></main>"
    described = extract("https://t.example/", html).description
    assert 250 < len(described) <= 300
    assert described.split(" ")[-1] == "word" and not described.endswith(("...", "…"))


@given(st.lists(st.sampled_from(["alpha", "be", "gamma.", "delta,", "epsilon!"]), max_size=120))
@settings(max_examples=200)
def test_trim_never_cuts_mid_word(words: list[str]) -> None:
    text = " ".join(words)
    cut = trim(text)
    assert len(cut) <= 300
    assert text.startswith(cut)
    assert cut == text or text[len(cut)] == " " or not cut


def test_trim_drops_a_sites_own_ellipsis() -> None:
    assert trim("The quick brown fox jumps. Over the lazy do...") == "The quick brown fox jumps."
    assert not trim("One two thre…").endswith("…")


def test_sphinx_index_sidebar_groups_in_order() -> None:
    nav = page("sphinx_index.html").nav
    groups = list(dict.fromkeys(item.path for item in nav))
    assert groups == [("Download",), ("Docs by version",), ("Other resources",)]
    assert nav[0] == NavItem("Download these documents", PYDOC + "download.html", ("Download",))
    assert NavItem("PEP Index", "https://peps.python.org/", ("Other resources",)) in nav


def test_sphinx_breadcrumbs_from_the_related_bar() -> None:
    assert page("sphinx_tutorial_introduction.html").breadcrumbs == (
        "The Python Tutorial",
        "3. An Informal Introduction to Python",
    )
    assert page("sphinx_library_asyncio.html").breadcrumbs == (
        "The Python Standard Library",
        "Networking and Interprocess Communication",
        "asyncio — Asynchronous I/O",
    )


def test_sphinx_prev_next_and_page_toc_are_not_nav() -> None:
    nav = page("sphinx_tutorial_introduction.html").nav
    assert all("#" not in item.url for item in nav)
    assert not any(item.title in ("Previous topic", "Next topic", "Show Source") for item in nav)


def test_mdbook_chapters_nest_under_their_chapter() -> None:
    nav = page("mdbook_data_types.html").nav
    assert len(nav) == 104
    assert nav[0] == NavItem("The Rust Programming Language", BOOK + "title-page.html")
    # the numbers ("3.2.") are aria-hidden and left out of titles
    assert (
        NavItem("Common Programming Concepts", BOOK + "ch03-00-common-programming-concepts.html")
        in nav
    )
    assert (
        NavItem("Data Types", BOOK + "ch03-02-data-types.html", ("Common Programming Concepts",))
        in nav
    )
    assert all(not re.match(r"\d", item.title) for item in nav)


def test_mdbook_part_titles_group_chapters() -> None:
    nav = page("mdbook_parts.html").nav
    assert nav[2] == NavItem("Introduction", BOOK + "ch00-00-introduction.html", ())
    assert nav[3] == NavItem(
        "Getting Started", BOOK + "ch01-00-getting-started.html", ("Getting started",)
    )
    assert nav[4].path == ("Getting started", "Getting Started")
    parts = [item.path[0] for item in nav if item.path]
    assert list(dict.fromkeys(parts)) == ["Getting started", "Core concepts"]
    ownership = next(i for i in nav if i.title == "What is Ownership?")
    assert ownership.path == ("Core concepts", "Understanding Ownership")


def test_mkdocs_material_sections_without_the_page_toc() -> None:
    nav = page("mkdocs_material_reference.html").nav
    assert [(i.title, i.path) for i in nav] == [
        ("section-index", ()),
        ("Overview", ("literate-nav",)),
        ("Reference", ("literate-nav",)),
        ("gen-files", ()),
        ("same-dir", ()),
    ]
    assert nav[2].url == LITERATE + "reference.html"
    assert nav[0].url == "https://oprypin.github.io/mkdocs-section-index/"


def test_mkdocs_navbar_dropdowns_nest_and_pager_links_are_left_out() -> None:
    nav = page("mkdocs_getting_started.html").nav
    top = [i.title for i in nav if not i.path]
    assert top == ["Home", "Getting Started"]
    groups = list(dict.fromkeys(i.path for i in nav if i.path))
    assert groups == [("User Guide",), ("Developer Guide",), ("About",)]
    assert (
        NavItem(
            "Configuration", "https://www.mkdocs.org/user-guide/configuration.html", ("User Guide",)
        )
        in nav
    )
    assert not any(i.title in ("Previous", "Next", "Edit on GitHub") for i in nav)


def test_plain_site_nav_breadcrumbs_and_footer() -> None:
    found = page("plain_site.html")
    assert [(i.title, i.url, i.path) for i in found.nav] == [
        ("Home", "https://acme.example/", ()),
        ("Products", "https://acme.example/products/", ()),
        ("Widgets", "https://acme.example/products/widgets/", ("Products",)),
        ("Gadgets", "https://acme.example/products/gadgets/", ("Products",)),
        ("Pricing", "https://acme.example/pricing/", ()),
        ("Blog", "https://acme.example/blog/", ()),
    ]
    assert found.breadcrumbs == ("Home", "Products", "Pricing")
    # footer legal links are not navigation, but they are links
    assert "https://acme.example/legal/terms/" in found.links


def test_links_absolute_fragment_free_http_only_unique_in_order() -> None:
    links = page("plain_site.html").links
    assert links[:4] == (
        "https://acme.example/",
        "https://acme.example/products/",
        "https://acme.example/products/widgets/",
        "https://acme.example/products/gadgets/",  # "#top" removed
    )
    assert len(links) == len(set(links))
    assert all(link.startswith(("http://", "https://")) and "#" not in link for link in links)
    assert "https://acme.example/docs/faq.html" in links  # resolved against <base href>
    assert "https://status.acme.example/" in links  # rel=nofollow links are kept
    assert "https://acme.example/contact/" in links  # <area href>
    assert not any(link.startswith(("mailto:", "javascript:")) for link in links)


def test_links_relative_to_the_page_url_without_base() -> None:
    links = page("sphinx_tutorial_introduction.html").links
    assert PYDOC + "tutorial/controlflow.html" in links
    assert PYDOC + "contents.html" in links


def test_canonical_markdown_alternate_robots_and_lang() -> None:
    found = page("plain_site.html")
    assert found.canonical == "https://acme.example/pricing/"
    assert found.markdown_url == "https://acme.example/products/pricing.md"
    assert (found.noindex, found.nofollow) == (False, True)
    assert found.lang == "en-GB"
    assert page("mkdocs_material_reference.html").canonical == LITERATE + "reference.html"
    assert page("sphinx_index.html").canonical == ""


@pytest.mark.parametrize(
    ("meta", "noindex", "nofollow"),
    [
        ('<meta name="robots" content="noindex">', True, False),
        ('<meta name="ROBOTS" content="NOINDEX, NOFOLLOW">', True, True),
        ('<meta name="googlebot" content="nofollow">', False, True),
        ('<meta name="robots" content="none">', True, True),
        ('<meta name="robots" content="index, follow">', False, False),
    ],
)
def test_robots_meta(meta: str, noindex: bool, nofollow: bool) -> None:
    found = extract("https://r.example/", f"<html><head>{meta}</head><body><p>x</p></body></html>")
    assert (found.noindex, found.nofollow) == (noindex, nofollow)


def test_windows_1252_decoded_from_meta_charset() -> None:
    found = page("latin_cp1252.html")
    assert found.lang == "fr"
    assert found.description == (
        "Recettes françaises : crème brûlée, œufs à la neige… « classiques » du café."
    )
    assert found.links == (
        "https://cafe.example/recettes/recettes/œufs.html",
        "https://cafe.example/prix?€=5",
    )


def test_header_charset_wins_over_detection() -> None:
    body = "<title>Ça coûte 5 €</title>".encode("cp1252")
    assert extract("https://c.example/", body, encoding="windows-1252").title == "Ça coûte 5 €"
    assert extract("https://c.example/", body, encoding="iso-8859-1").title.startswith("Ça co")


def test_utf8_bom_and_str_bodies() -> None:
    assert extract("https://b.example/", "\ufeff<title>Été</title>".encode()).title == "Été"
    assert extract("https://b.example/", "<title>Été</title>").title == "Été"


def test_js_shell_detected_and_real_pages_are_not() -> None:
    assert page("spa_shell.html").js_shell
    assert not any(page(name).js_shell for name in URLS if name != "spa_shell.html")


def test_same_content_same_hash_whitespace_ignored() -> None:
    a = extract("https://h.example/a", "<main><h1>Hi</h1><p>Some   text\n here.</p></main>")
    b = extract("https://h.example/b", "<main>\n  <h1>Hi</h1>\n  <p>Some text here.</p>\n</main>")
    c = extract("https://h.example/c", "<main><h1>Hi</h1><p>Other text here.</p></main>")
    assert a.content_hash == b.content_hash != c.content_hash
    assert re.fullmatch(r"[0-9a-f]{32}", a.content_hash)


def test_same_page_bytes_hash_alike_under_two_urls() -> None:
    body = (FIXTURES / "sphinx_library_asyncio.html").read_bytes()
    first = extract(PYDOC + "library/asyncio.html", body)
    second = extract("https://mirror.example/py/library/asyncio.html?x=1", body)
    assert first.content_hash == second.content_hash
    assert first.content_hash != page("sphinx_tutorial_introduction.html").content_hash


def test_markdown_only_when_asked() -> None:
    assert page("plain_site.html").markdown is None
    body = (FIXTURES / "plain_site.html").read_bytes()
    markdown = extract(URLS["plain_site.html"], body, markdown=True).markdown
    assert markdown is not None and markdown.startswith("# Pricing")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        "",
        b"\x00\x01\x02\xff\xfe garbage \x00",
        b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20,  # a JPEG header and binary noise
        "<<<>>><!-- <html",
        "<html><head><title>unclosed",
        "<a href='http://[::1'>bad ipv6</a><a href='https://ok.example/'>ok</a>",
        "<base href='javascript:alert(1)'><a href='x'>x</a>",
        "<div>" * 5000 + "deep",
        "<?xml version='1.0' encoding='utf-8'?><rss><channel><title>Feed</title></channel></rss>",
    ],
)
def test_garbage_never_raises(body: bytes | str) -> None:
    found = extract("https://g.example/", body, markdown=True)
    assert found.url == "https://g.example/"
    assert all(link.startswith(("http://", "https://")) for link in found.links)


@pytest.mark.parametrize(
    ("codec", "header"),
    [
        ("utf-8", None),
        ("utf-8", "utf-8"),
        ("cp1252", None),
        ("iso-8859-15", "iso-8859-15"),
        ("utf-16", None),
        ("shift_jis", None),
        ("cp037", "cp037"),  # EBCDIC: its control characters are not the ASCII bytes
    ],
)
def test_control_characters_are_dropped_in_any_encoding(codec: str, header: str | None) -> None:
    # libxml2 refuses C0 controls, DEL, U+FFFE and U+FFFF: each must go whatever the encoding,
    # and a page with them must still give its title and first paragraph.
    odd = "\x01\x0b\x7f" + ("\ufffe\uffff" if codec.startswith("utf") else "")
    paragraph = "A paragraph long enough to be the description" + odd + " of this page, really."
    html = (
        f'<html><head><meta charset="{codec}"><title>Con{odd}trol</title></head>'
        f"<body><main><h1>Heading</h1><p>{paragraph}</p></main></body></html>"
    )
    found = extract("https://c.example/", html.encode(codec), encoding=header)
    assert found.title == "Control"
    assert found.description.startswith("A paragraph long enough to be the description")
    assert not any(ch in found.description for ch in odd)


@pytest.mark.parametrize("odd", ["\ufffe", "\uffff"])
def test_noncharacters_alone_are_dropped_from_utf8(odd: str) -> None:
    html = f"<html><head><title>Non{odd}character</title></head><body><p>x</p></body></html>"
    assert extract("https://c.example/", html.encode("utf-8")).title == "Noncharacter"


@given(st.binary(max_size=2000) | st.text(max_size=2000))
@settings(max_examples=150, deadline=None)
def test_arbitrary_input_never_raises(body: bytes | str) -> None:
    assert extract("https://g.example/", body, markdown=True).url == "https://g.example/"


def test_same_page_anchor_nav_items_dropped() -> None:
    html = (
        "<nav><ul><li><a href='#top'>Top</a></li><li><a href='/a'>A</a></li>"
        "<li><a href='/b#x'>B</a></li><li><a href='ftp://f.example/'>F</a></li></ul></nav>"
    )
    nav = extract("https://n.example/page", html).nav
    assert nav == (NavItem("A", "https://n.example/a"), NavItem("B", "https://n.example/b"))


def test_breadcrumb_schema_org_list() -> None:
    html = (
        '<ol itemscope itemtype="https://schema.org/BreadcrumbList">'
        '<li itemprop="itemListElement"><a href="/">Docs</a></li> › '
        '<li itemprop="itemListElement"><a href="/api/">API</a></li></ol>'
    )
    assert extract("https://s.example/api/x", html).breadcrumbs == ("Docs", "API")


def test_mkdocs_readthedocs_captions_current_page_and_breadcrumbs() -> None:
    found = page("mkdocs_readthedocs_install.html")
    docs = "https://widgets.example/docs/"
    assert found.nav == (
        NavItem("Home", docs),
        # the current page is href="#" in the theme: it stands for the page's own URL
        NavItem("Installation", docs + "guide/install/", ("User guide",)),
        NavItem("Configuration", docs + "guide/config/", ("User guide",)),
        NavItem("API", docs + "api/", ("Reference",)),
    )
    # the home crumb is an icon link named by aria-label; the others are plain text items
    assert found.breadcrumbs == ("Docs", "User guide", "Installation")
    assert (found.title, found.h1) == ("Installation - Widget Docs", "Installation")


def test_nested_breadcrumb_lists_count_each_item_once() -> None:
    html = (
        "<nav aria-label='Breadcrumb'><ul><li><a href='/'>Home</a>"
        "<ul><li><a href='/a/'>A</a></li><li>Here</li></ul></li></ul></nav>"
    )
    assert extract("https://b.example/a/here", html).breadcrumbs == ("A", "Here")


def test_sphinx_alabaster_sidebar_toctree_without_relations_and_search() -> None:
    # the shape of Sphinx's alabaster theme sidebar (navigation.html, relations.html, searchbox.html)
    html = """<div class="sphinxsidebar" role="navigation" aria-label="main navigation">
      <div class="sphinxsidebarwrapper">
        <h1 class="logo"><a href="index.html">Requests</a></h1>
        <h3>Navigation</h3>
        <p class="caption" role="heading"><span class="caption-text">User Guide</span></p>
        <ul>
          <li class="toctree-l1"><a class="reference internal" href="user/install.html">Installation</a></li>
          <li class="toctree-l1"><a class="reference internal" href="user/quickstart.html">Quickstart</a>
            <ul><li class="toctree-l2"><a href="user/quickstart.html#make-a-request">Make a Request</a></li>
                <li class="toctree-l2"><a href="user/advanced.html">Advanced</a></li></ul></li>
        </ul>
        <p class="caption" role="heading"><span class="caption-text">API</span></p>
        <ul><li class="toctree-l1"><a class="reference internal" href="api.html">Developer Interface</a></li></ul>
        <div class="relations"><h3>Related Topics</h3>
          <ul><li><a href="index.html">Documentation overview</a><ul>
            <li>Next: <a href="user/intro.html">Introduction</a></li></ul></li></ul></div>
        <div id="searchbox" role="search"><h3 id="searchlabel">Quick search</h3>
          <form action="search.html"><input type="text" name="q"></form></div>
      </div></div>"""
    nav = extract("https://requests.example/", html).nav
    # the logo heading is not a link of the tree; "Navigation" names the block, not a group
    assert [(i.title, i.path) for i in nav] == [
        ("Installation", ("User Guide",)),
        ("Quickstart", ("User Guide",)),
        ("Advanced", ("User Guide", "Quickstart")),
        ("Developer Interface", ("API",)),
    ]


def test_mkdocs_material9_section_index_pages_and_nested_sections() -> None:
    docs = "https://widgets.example/docs/"
    assert page("mkdocs_material9_install.html").nav == (
        NavItem("Home", docs),
        NavItem("Guide", docs + "guide/"),  # navigation.indexes: the section title is a link
        NavItem("Installation", docs + "guide/install/", ("Guide",)),
        NavItem("Plugins", docs + "guide/advanced/plugins/", ("Guide", "Advanced")),
        NavItem("API", docs + "api/"),
    )
