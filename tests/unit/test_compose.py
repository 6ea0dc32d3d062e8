"""compose: llms.txt plans for the shapes real sites have (Sphinx, MkDocs, mdBook, plain, blog)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from llmstxt.compose import (
    Entry,
    Section,
    SitePlan,
    compose,
    demote_headings,
    plan_site,
    render_llms_full,
    render_llms_txt,
)
from llmstxt.models import NavItem, Page, PageRecord
from llmstxt.validate import validate


def rec(url: str, depth: int = 1, **page: object) -> PageRecord:
    """A kept record of one page at url."""
    return PageRecord(url=url, depth=depth, status=200, page=Page(url=url, **page))  # type: ignore[arg-type]


# --- Sphinx: captions are groups, a related bar (index/modules/next/previous) on every page ---

PY = "https://docs.python.org/3/"
PY_SUFFIX = " — Python 3.11 documentation"
PY_GLOBAL = (
    ("Tutorials", "tutorial/index.html", "The Python Tutorial"),
    ("Library reference", "library/index.html", "The Python Standard Library"),
    ("Project", "whatsnew/3.11.html", "What’s New In Python 3.11"),
    ("Project", "bugs.html", "Dealing with Bugs"),
    ("Project", "license.html", "History and License"),
)
PY_BRANCHES = {
    "tutorial/index.html": (
        ("appetite.html", "1. Whetting Your Appetite"),
        ("interpreter.html", "2. Using the Python Interpreter"),
    ),
    "library/index.html": (
        ("os.html", "os — Miscellaneous operating system interfaces"),
        ("re.html", "re — Regular expression operations"),
    ),
}


def _sphinx_nav(page: str, prev: str, nxt: str) -> tuple[NavItem, ...]:
    """The related bar plus the global toctree, with the branch of page expanded."""
    items = [
        NavItem("index", PY + "genindex.html"),
        NavItem("modules", PY + "py-modindex.html"),
        NavItem("next", PY + nxt),
        NavItem("previous", PY + prev),
        NavItem("Python", "https://www.python.org/"),
    ]
    for caption, href, title in PY_GLOBAL:
        items.append(NavItem(title, PY + href, (caption,)))
        branch = PY_BRANCHES.get(href, ())
        if page.startswith(href.split("/")[0] + "/"):
            folder = href.rsplit("/", 1)[0] + "/"
            items += [NavItem(t, PY + folder + h + "#section", (caption, title)) for h, t in branch]
    return tuple(items)


def sphinx_site() -> list[PageRecord]:
    """docs.python.org-like: titles carry the site suffix, the home page is a table of contents."""
    pages = [
        ("", "Python 3.11 documentation", "", "Welcome to Python 3.11 documentation"),
        (
            "tutorial/index.html",
            "The Python Tutorial",
            "Python is an easy to learn, powerful programming language.",
            "",
        ),
        ("tutorial/appetite.html", "1. Whetting Your Appetite", "", ""),
        ("tutorial/interpreter.html", "2. Using the Python Interpreter", "", ""),
        ("library/index.html", "The Python Standard Library", "", ""),
        (
            "library/os.html",
            "os — Miscellaneous operating system interfaces",
            "This module provides a portable way of using operating system dependent functionality.",
            "",
        ),
        ("library/re.html", "re — Regular expression operations", "", ""),
        ("library/pathlib.html", "pathlib — Object-oriented filesystem paths", "", ""),
        ("faq/general.html", "General Python FAQ", "", ""),
        ("faq/programming.html", "Programming FAQ", "", ""),
        ("whatsnew/3.11.html", "What’s New In Python 3.11", "", ""),
        ("bugs.html", "Dealing with Bugs", "", ""),
        ("license.html", "History and License", "", ""),
        ("copyright.html", "Copyright", "", ""),
        ("genindex.html", "Index", "", ""),
    ]
    order = [p for p, *_ in pages]
    out = []
    for i, (path, title, desc, h1) in enumerate(pages):
        nav = _sphinx_nav(path, order[i - 1], order[(i + 1) % len(order)])
        full = title if not path else title + PY_SUFFIX
        out.append(
            rec(
                PY + path,
                0 if not path else 1,
                title=full,
                h1=h1 or title,
                description=desc,
                nav=nav,
            )
        )
    return out


SPHINX_EXPECTED = """\
# Python 3.11 documentation

> An index of the pages of Python 3.11 documentation (docs.python.org).

This file lists the pages of Python 3.11 documentation (https://docs.python.org/3/) in the sections of the site's own navigation, each link followed by the page's description when it has one. Secondary pages (blog posts, release notes, legal and company pages) are under Optional.

## Tutorials

- [The Python Tutorial](https://docs.python.org/3/tutorial/index.html): Python is an easy to learn, powerful programming language.
- [1. Whetting Your Appetite](https://docs.python.org/3/tutorial/appetite.html)
- [2. Using the Python Interpreter](https://docs.python.org/3/tutorial/interpreter.html)

## Library reference

- [The Python Standard Library](https://docs.python.org/3/library/index.html)
- [os — Miscellaneous operating system interfaces](https://docs.python.org/3/library/os.html): This module provides a portable way of using operating system dependent functionality.
- [re — Regular expression operations](https://docs.python.org/3/library/re.html)
- [pathlib — Object-oriented filesystem paths](https://docs.python.org/3/library/pathlib.html)

## Project

- [Dealing with Bugs](https://docs.python.org/3/bugs.html)

## FAQ

- [General Python FAQ](https://docs.python.org/3/faq/general.html)
- [Programming FAQ](https://docs.python.org/3/faq/programming.html)

## Optional

- [What’s New In Python 3.11](https://docs.python.org/3/whatsnew/3.11.html)
- [History and License](https://docs.python.org/3/license.html)
- [Copyright](https://docs.python.org/3/copyright.html)
- [Index](https://docs.python.org/3/genindex.html)
"""


# --- MkDocs: og:site_name everywhere, the same nested nav on every page ---

MK = "https://www.mkdocs.org/"
MK_NAV = (
    NavItem("Home", MK),
    NavItem("Getting Started", MK + "getting-started/"),
    NavItem("Installation", MK + "user-guide/installation/", ("User Guide",)),
    NavItem("Writing Your Docs", MK + "user-guide/writing-your-docs/", ("User Guide",)),
    NavItem(
        "Choosing Your Theme", MK + "user-guide/choosing-your-theme/", ("User Guide", "Customizing")
    ),
    NavItem(
        "Customizing Your Theme",
        MK + "user-guide/customizing-your-theme/",
        ("User Guide", "Customizing"),
    ),
    NavItem("Configuration", MK + "user-guide/configuration/", ("User Guide",)),
    NavItem("Themes", MK + "dev-guide/themes/", ("Developer Guide",)),
    NavItem("API Reference", MK + "dev-guide/api/", ("Developer Guide",)),
    NavItem("Release Notes", MK + "about/release-notes/", ("About",)),
    NavItem("Contributing", MK + "about/contributing/", ("About",)),
    NavItem("License", MK + "about/license/", ("About",)),
)


def mkdocs_site() -> list[PageRecord]:
    """mkdocs.org-like: every page titled `X - MkDocs`, one shared description."""
    boiler = "Project documentation with Markdown."
    out = [
        rec(MK, 0, title="MkDocs", site_name="MkDocs", h1="MkDocs", description=boiler, nav=MK_NAV)
    ]
    for item in MK_NAV[1:]:
        own = {"Configuration": "Guide to all of the configuration options."}.get(
            item.title, boiler
        )
        out.append(
            rec(
                item.url,
                title=f"{item.title} - MkDocs",
                site_name="MkDocs",
                description=own,
                nav=MK_NAV,
            )
        )
    out.append(
        rec(
            MK + "user-guide/deploying-your-docs/",
            2,
            title="Deploying Your Docs - MkDocs",
            site_name="MkDocs",
        )
    )
    return out


MKDOCS_EXPECTED = """\
# MkDocs

> Project documentation with Markdown.

This file lists the pages of MkDocs (https://www.mkdocs.org/) in the sections of the site's own navigation, each link followed by the page's description when it has one. Secondary pages (blog posts, release notes, legal and company pages) are under Optional.

## Pages

- [MkDocs](https://www.mkdocs.org/)
- [Getting Started](https://www.mkdocs.org/getting-started/)

## User Guide

- [Installation](https://www.mkdocs.org/user-guide/installation/)
- [Writing Your Docs](https://www.mkdocs.org/user-guide/writing-your-docs/)
- [Choosing Your Theme](https://www.mkdocs.org/user-guide/choosing-your-theme/)
- [Customizing Your Theme](https://www.mkdocs.org/user-guide/customizing-your-theme/)
- [Configuration](https://www.mkdocs.org/user-guide/configuration/): Guide to all of the configuration options.
- [Deploying Your Docs](https://www.mkdocs.org/user-guide/deploying-your-docs/)

## Developer Guide

- [Themes](https://www.mkdocs.org/dev-guide/themes/)
- [API Reference](https://www.mkdocs.org/dev-guide/api/)

## Optional

- [Release Notes](https://www.mkdocs.org/about/release-notes/)
- [Contributing](https://www.mkdocs.org/about/contributing/)
- [License](https://www.mkdocs.org/about/license/)
"""


# --- mdBook: part titles are groups, flat file names, prefix chapters before the first part ---

BOOK = "https://example.org/book/"
BOOK_NAV = (
    NavItem("Foreword", BOOK + "foreword.html"),
    NavItem("Introduction", BOOK + "ch00-00-introduction.html"),
    NavItem("Getting Started", BOOK + "ch01-00-getting-started.html", ("Part I: Basics",)),
    NavItem(
        "Installation", BOOK + "ch01-01-installation.html", ("Part I: Basics", "Getting Started")
    ),
    NavItem(
        "Hello, World!", BOOK + "ch01-02-hello-world.html", ("Part I: Basics", "Getting Started")
    ),
    NavItem(
        "Common Concepts", BOOK + "ch03-00-common-programming-concepts.html", ("Part I: Basics",)
    ),
    NavItem(
        "Ownership [in depth]",
        BOOK + "ch04-00-understanding-ownership.html",
        ("Part II: Advanced",),
    ),
    NavItem("Unsafe (Rust)", BOOK + "ch19-01-unsafe-rust.html", ("Part II: Advanced",)),
    NavItem("Appendix", BOOK + "appendix-00.html", ("Appendix",)),
)


def mdbook_site() -> list[PageRecord]:
    """An mdBook: `Chapter - Book` titles, part titles as nav groups."""
    out = [
        rec(
            BOOK,
            0,
            title="The Book",
            h1="The Book",
            nav=BOOK_NAV,
            description="A book about a language.",
        )
    ]
    for item in BOOK_NAV:
        out.append(rec(item.url, title=f"{item.title} - The Book", h1=item.title, nav=BOOK_NAV))
    return out


MDBOOK_EXPECTED = """\
# The Book

> A book about a language.

This file lists the pages of The Book (https://example.org/book/) in the sections of the site's own navigation, each link followed by the page's description when it has one.

## Pages

- [Foreword](https://example.org/book/foreword.html)
- [Introduction](https://example.org/book/ch00-00-introduction.html)

## Part I: Basics

- [Getting Started](https://example.org/book/ch01-00-getting-started.html)
- [Installation](https://example.org/book/ch01-01-installation.html)
- [Hello, World!](https://example.org/book/ch01-02-hello-world.html)
- [Common Concepts](https://example.org/book/ch03-00-common-programming-concepts.html)

## Part II: Advanced

- [Ownership (in depth)](https://example.org/book/ch04-00-understanding-ownership.html)
- [Unsafe (Rust)](https://example.org/book/ch19-01-unsafe-rust.html)

## Appendix

- [Appendix](https://example.org/book/appendix-00.html)
"""


# --- A plain site: a top <nav> of single links, sections come from URL paths ---

ACME = "https://acme.example/"
ACME_NAV = tuple(
    NavItem(t, ACME + p)
    for t, p in (
        ("Home", ""),
        ("Products", "products/"),
        ("Docs", "docs/"),
        ("Blog", "blog/"),
        ("About", "about/"),
    )
)


def plain_site() -> list[PageRecord]:
    """acme.example: `X | Acme` titles, a top nav, products, docs, a blog and legal pages."""
    pages = [
        ("", "Acme | Better widgets", "Acme makes widgets for teams."),
        ("pricing", "Pricing | Acme", "Plans for every team."),
        ("products/", "Products | Acme", "Every Acme product."),
        ("products/widgets", "Widgets | Acme", "The Acme widget."),
        ("products/gadgets", "Gadgets | Acme", "Gadgets | Acme"),
        ("docs/", "Docs | Acme", ""),
        ("docs/install", "Install | Acme", "Install Acme\nin five\nminutes."),
        ("docs/configure", "Configure | Acme", ""),
        ("blog/", "Blog | Acme", ""),
        ("blog/2024/01/launch", "We launched | Acme", ""),
        ("about/", "About us | Acme", ""),
        ("privacy", "Privacy policy | Acme", ""),
        ("terms", "Terms of service | Acme", ""),
    ]
    return [
        rec(
            ACME + p,
            0 if not p else 1,
            title=t,
            description=d,
            nav=ACME_NAV,
            links=tuple(ACME + q for q, *_ in pages),
        )
        for p, t, d in pages
    ]


PLAIN_EXPECTED = """\
# Acme

> Acme makes widgets for teams.

This file lists the pages of Acme (https://acme.example/) in the sections of the site's own navigation, each link followed by the page's description when it has one. Secondary pages (blog posts, release notes, legal and company pages) are under Optional.

## Pages

- [Better widgets](https://acme.example/): Acme makes widgets for teams.
- [Pricing](https://acme.example/pricing): Plans for every team.

## Products

- [Products](https://acme.example/products/): Every Acme product.
- [Gadgets](https://acme.example/products/gadgets)
- [Widgets](https://acme.example/products/widgets): The Acme widget.

## Docs

- [Docs](https://acme.example/docs/)
- [Configure](https://acme.example/docs/configure)
- [Install](https://acme.example/docs/install): Install Acme in five minutes.

## Optional

- [Blog](https://acme.example/blog/)
- [We launched](https://acme.example/blog/2024/01/launch)
- [About us](https://acme.example/about/)
- [Privacy policy](https://acme.example/privacy)
- [Terms of service](https://acme.example/terms)
"""


# --- A blog-heavy site: no nav, the posts are the content, one boilerplate description ---

BLOG = "https://jane.example/"


def blog_site() -> list[PageRecord]:
    """jane.example: a personal blog whose posts are most of the site."""
    boiler = "Jane's notes on programming."
    out = [rec(BLOG, 0, title="Jane's notes", description=boiler)]
    for i, slug in enumerate(
        ["zeta-functions", "async-io", "why-rust", "parsing-html", "on-caching"]
    ):
        out.append(
            rec(
                f"{BLOG}posts/2024/{slug}/",
                title=f"Post {i}: {slug} · Jane's notes",
                description=boiler,
            )
        )
    out.append(
        rec(BLOG + "projects/llmstxt/", title="llmstxt · Jane's notes", description="A generator.")
    )
    out.append(rec(BLOG + "projects/widgets/", title="widgets · Jane's notes"))
    out.append(rec(BLOG + "about/", title="About · Jane's notes", description=boiler))
    return out


BLOG_EXPECTED = """\
# Jane's notes

> Jane's notes on programming.

This file lists the pages of Jane's notes (https://jane.example/) in the sections of the site's own navigation, each link followed by the page's description when it has one. Secondary pages (blog posts, release notes, legal and company pages) are under Optional.

## Pages

- [Jane's notes](https://jane.example/)

## Posts

- [Post 1: async-io](https://jane.example/posts/2024/async-io/)
- [Post 4: on-caching](https://jane.example/posts/2024/on-caching/)
- [Post 3: parsing-html](https://jane.example/posts/2024/parsing-html/)
- [Post 2: why-rust](https://jane.example/posts/2024/why-rust/)
- [Post 0: zeta-functions](https://jane.example/posts/2024/zeta-functions/)

## Projects

- [llmstxt](https://jane.example/projects/llmstxt/): A generator.
- [widgets](https://jane.example/projects/widgets/)

## Optional

- [About](https://jane.example/about/)
"""

SHAPES: dict[str, tuple[Callable[[], list[PageRecord]], str, str]] = {
    "sphinx": (sphinx_site, PY, SPHINX_EXPECTED),
    "mkdocs": (mkdocs_site, MK, MKDOCS_EXPECTED),
    "mdbook": (mdbook_site, BOOK, MDBOOK_EXPECTED),
    "plain": (plain_site, ACME, PLAIN_EXPECTED),
    "blog": (blog_site, BLOG, BLOG_EXPECTED),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_each_site_shape_composes_to_the_expected_llms_txt(shape: str) -> None:
    build, start, expected = SHAPES[shape]
    text = compose(build(), start)
    assert validate(text) == []
    assert text == expected


@pytest.mark.parametrize("shape", SHAPES)
def test_record_order_never_changes_the_bytes(shape: str) -> None:
    build, start, _ = SHAPES[shape]
    records = build()
    first = compose(records, start)
    rng = random.Random(shape)
    for _ in range(10):
        rng.shuffle(records)
        assert compose(records, start) == first


def test_only_kept_records_are_listed() -> None:
    records = [
        rec(ACME, 0, title="Acme"),
        rec(ACME + "a", title="A"),
        PageRecord(ACME + "b", 1, 200, Page(ACME + "b", title="B"), skipped="noindex"),
        PageRecord(ACME + "c", 1, 0, error="timeout"),
        PageRecord(ACME + "d", 1, 404, Page(ACME + "d", title="D"), error="http_404"),
    ]
    text = compose(records, ACME)
    assert "acme.example/a)" in text
    assert all(f"acme.example/{x})" not in text for x in "bcd")


def _titles(plan: SitePlan) -> list[str]:
    return [e.title for s in plan.sections for e in s.entries]


def test_site_name_is_og_site_name_when_pages_agree() -> None:
    records = [rec(ACME, 0, title="Welcome", site_name="Acme Inc")]
    records += [
        rec(ACME + f"p{i}", title=f"Page {i} | Acme", site_name="Acme Inc") for i in range(3)
    ]
    records.append(rec(ACME + "x", title="X", site_name="Other"))
    plan = plan_site(records, ACME)
    assert plan.name == "Acme Inc"
    assert "Page 0" in _titles(plan)


def test_site_name_is_learned_from_a_shared_title_suffix_not_the_home_title() -> None:
    records = [rec(PY, 0, title="Python 3.11 documentation", h1="Welcome")]
    records += [rec(PY + f"p{i}.html", title=f"Topic {i}{PY_SUFFIX}") for i in range(4)]
    plan = plan_site(records, PY)
    assert plan.name == "Python 3.11 documentation"
    assert _titles(plan)[-4:] == [f"Topic {i}" for i in range(4)]


def test_site_name_is_learned_from_a_shared_title_prefix() -> None:
    records = [rec(ACME, 0, title="Acme: Home")]
    records += [rec(ACME + f"p{i}", title=f"Acme: Page {i}") for i in range(3)]
    plan = plan_site(records, ACME)
    assert plan.name == "Acme"
    assert _titles(plan) == ["Home", "Page 0", "Page 1", "Page 2"]


def test_site_name_falls_back_to_the_home_title_then_the_host() -> None:
    assert plan_site([rec(ACME, 0, title="Acme Widgets")], ACME).name == "Acme Widgets"
    assert plan_site([rec(ACME, 0)], ACME).name == "acme.example"
    assert plan_site([], ACME).name == "acme.example"


def test_titles_fall_back_through_og_title_h1_and_the_url() -> None:
    records = [rec(ACME, 0, title="Home | Acme")]
    records += [rec(ACME + f"p{i}", title=f"P{i} | Acme") for i in range(3)]
    records += [
        rec(ACME + "docs/og", title="Acme", og_title="From og"),
        rec(ACME + "docs/h1", title=" ", h1="From\nh1"),
        rec(ACME + "docs/getting-started"),
        rec(ACME + "docs/api"),
    ]
    titles = _titles(plan_site(records, ACME))
    assert {"From og", "From h1", "Getting started", "API"} <= set(titles)
    assert all(t.strip() for t in titles)


def test_titles_and_urls_are_escaped_and_markdown_urls_preferred() -> None:
    records = [
        rec(ACME, 0, title="Acme"),
        rec(ACME + "a", title="Array[int] [beta]\nnotes"),
        rec(ACME + "b(1) c", title="B"),
        rec(ACME + "c", title="C", markdown_url=ACME + "c.md"),
    ]
    text = compose(records, ACME)
    assert "- [Array(int) (beta) notes](https://acme.example/a)" in text
    assert "(https://acme.example/b%281%29%20c)" in text
    assert "(https://acme.example/c.md)" in text
    assert validate(text) == []


def test_boilerplate_and_title_repeating_descriptions_are_dropped() -> None:
    shared = "The Acme site."
    records = [rec(ACME, 0, title="Acme", description="Home of Acme.")]
    records += [rec(ACME + f"s{i}", title=f"S{i}", description=shared) for i in range(3)]
    records += [
        rec(ACME + "own", title="Own", description="Own words."),
        rec(ACME + "t", title="Same", description="same."),
    ]
    plan = plan_site(records, ACME)
    descriptions = {e.title: e.description for s in plan.sections for e in s.entries}
    assert descriptions["Own"] == "Own words."
    assert descriptions["S0"] == descriptions["Same"] == ""
    assert "- [S0](https://acme.example/s0)\n" in render_llms_txt(plan)


@pytest.mark.parametrize(("pages", "dropped"), [(5, True), (10, False)])
def test_a_description_on_two_pages_is_boilerplate_only_past_thirty_percent(
    pages: int, dropped: bool
) -> None:
    records = [rec(ACME + f"p{i}", title=f"P{i}", description=f"Own {i}.") for i in range(pages)]
    records[1] = replace(records[1], page=replace(records[1].page, description="Twice."))  # type: ignore[arg-type]
    records[2] = replace(records[2], page=replace(records[2].page, description="Twice."))  # type: ignore[arg-type]
    plan = plan_site(records, ACME)
    descriptions = {e.title: e.description for s in plan.sections for e in s.entries}
    assert (descriptions["P1"] == "") is dropped


def test_long_descriptions_are_cut_between_words_on_one_line() -> None:
    long = "word " * 100 + "\n\nlast"
    plan = plan_site(
        [rec(ACME, 0, title="Acme"), rec(ACME + "a", title="A", description=long)], ACME
    )
    desc = plan.sections[0].entries[-1].description
    assert desc.endswith("word…") and "\n" not in desc and len(desc) <= 301


def test_duplicate_urls_hashes_and_canonicals_keep_one_link() -> None:
    records = [
        rec(ACME, 0, title="Acme"),
        rec(ACME + "a", title="A", content_hash="h1"),
        rec(ACME + "a", title="A again", content_hash="h1"),
        rec(ACME + "a-long-copy", title="A copy", content_hash="h1"),
        rec(ACME + "b?ref=x", title="B variant", canonical=ACME + "b"),
        rec(ACME + "b", title="B"),
    ]
    first = _titles(plan_site(records, ACME))
    assert first[0] == "Acme" and first[1] in ("A", "A again") and first[2] == "B"
    for seed in range(5):
        random.Random(seed).shuffle(records)
        assert _titles(plan_site(records, ACME)) == first


def test_pages_missing_from_the_nav_join_the_section_sharing_their_longest_path_prefix() -> None:
    nav = (
        NavItem("Intro", ACME + "guide/intro", ("Zebra guide",)),
        NavItem("Deep", ACME + "guide/advanced/deep", ("Alpha advanced",)),
    )
    records = [rec(ACME, 0, title="Acme", nav=nav)]
    records += [rec(i.url, title=i.title, nav=nav) for i in nav]
    records += [
        rec(ACME + "guide/advanced/more", title="More"),
        rec(ACME + "guide/basics", title="Basics"),
    ]
    plan = plan_site(records, ACME)
    assert [(s.title, [e.title for e in s.entries]) for s in plan.sections] == [
        ("Zebra guide", ["Intro", "Basics"]),
        ("Alpha advanced", ["Deep", "More"]),
    ]


def test_path_sections_are_named_from_the_first_segment_and_strays_are_folded() -> None:
    records = [rec(ACME, 0, title="Acme")]
    records += [rec(ACME + f"api/{n}", title=f"api {n}") for n in ("b", "a")]
    records += [rec(ACME + f"getting-started/{n}", title=f"gs {n}") for n in ("x", "y")]
    records += [rec(ACME + "tools/only", title="Only tool"), rec(ACME + "pricing", title="Pricing")]
    plan = plan_site(records, ACME)
    assert [(s.title, [e.title for e in s.entries]) for s in plan.sections] == [
        ("Pages", ["Acme", "Pricing", "Only tool"]),
        ("API", ["api a", "api b"]),
        ("Getting started", ["gs x", "gs y"]),
    ]


def test_path_sections_follow_the_order_the_home_page_links_them() -> None:
    links = (ACME + "zoo/1", ACME + "api/1")
    records = [rec(ACME, 0, title="Acme", links=links)]
    records += [rec(ACME + f"{s}/{n}", title=f"{s}{n}") for s in ("api", "zoo") for n in (1, 2)]
    assert [s.title for s in plan_site(records, ACME).sections] == ["Pages", "Zoo", "API"]


def test_a_one_link_nav_group_stays_a_section() -> None:
    nav = (NavItem("Guide", ACME + "guide"), NavItem("Only", ACME + "only", ("Reference",)))
    records = [
        rec(ACME, 0, title="Acme", nav=nav),
        rec(ACME + "guide", title="Guide", nav=nav),
        rec(ACME + "only", title="Only", nav=nav),
    ]
    plan = plan_site(records, ACME)
    assert [s.title for s in plan.sections] == ["Pages", "Reference"]


def test_secondary_pages_go_to_optional_last() -> None:
    records = [rec(ACME, 0, title="Acme")]
    paths = [
        "docs/a",
        "docs/b",
        "docs/2.7/old",
        "changelog",
        "legal/cookies",
        "careers/eng",
        "archive/x",
        "blog/p",
        "news/n",
    ]
    records += [rec(ACME + p, title=p) for p in paths]
    plan = plan_site(records, ACME)
    assert [s.title for s in plan.sections] == ["Pages", "Docs", "Optional"]
    assert {e.title for e in plan.sections[-1].entries} == set(paths) - {"docs/a", "docs/b"}


def test_the_current_version_stays_and_older_ones_are_optional() -> None:
    records = [rec(ACME, 0, title="Acme")]
    records += [rec(ACME + f"docs/v2/{n}", title=f"v2 {n}") for n in "abc"]
    records += [rec(ACME + "docs/v1/a", title="v1 a")]
    plan = plan_site(records, ACME)
    assert [e.title for e in plan.sections[-1].entries] == ["v1 a"]
    assert plan.sections[-1].title == "Optional"


def test_nav_groups_named_like_secondary_content_are_optional() -> None:
    nav = tuple(
        NavItem(t, ACME + t.lower(), (g,))
        for g, t in (
            ("Guide", "Start"),
            ("Guide", "Use"),
            ("Community", "Forum"),
            ("Company", "Team"),
        )
    )
    records = [rec(ACME, 0, title="Acme", nav=nav)] + [
        rec(i.url, title=i.title, nav=nav) for i in nav
    ]
    plan = plan_site(records, ACME)
    assert [(s.title, [e.title for e in s.entries]) for s in plan.sections] == [
        ("Guide", ["Start", "Use"]),
        ("Community", ["Forum"]),
        ("Optional", ["Team"]),
    ]


def test_the_home_page_is_listed_only_when_the_nav_lists_it_or_there_is_no_nav() -> None:
    nav = (NavItem("A", ACME + "a", ("G",)), NavItem("B", ACME + "b", ("G",)))
    with_nav = [rec(ACME, 0, title="Acme", nav=nav)] + [
        rec(i.url, title=i.title, nav=nav) for i in nav
    ]
    assert _titles(plan_site(with_nav, ACME)) == ["A", "B"]
    listed = (NavItem("Home", ACME), *nav)
    in_nav = [replace(r, page=replace(r.page, nav=listed)) for r in with_nav]  # type: ignore[arg-type]
    assert _titles(plan_site(in_nav, ACME)) == ["Acme", "A", "B"]
    no_nav = [rec(ACME, 0, title="Acme"), rec(ACME + "a", title="A")]
    assert _titles(plan_site(no_nav, ACME)) == ["Acme", "A"]


def test_a_large_nav_group_is_split_into_its_sub_groups() -> None:
    nav = [NavItem("Overview", ACME + "ref/", ("Reference",))]
    for sub in ("Core", "Extras"):
        nav += [
            NavItem(f"{sub} {i}", ACME + f"ref/{sub.lower()}/{i}", ("Reference", sub))
            for i in range(15)
        ]
    records = [rec(ACME, 0, title="Acme", nav=tuple(nav))] + [
        rec(i.url, title=i.title, nav=tuple(nav)) for i in nav
    ]
    plan = plan_site(records, ACME)
    assert [(s.title, len(s.entries)) for s in plan.sections] == [
        ("Reference", 1),
        ("Reference: Core", 15),
        ("Reference: Extras", 15),
    ]
    assert [e.title for e in plan.sections[1].entries][:3] == ["Core 0", "Core 1", "Core 2"]


def test_the_summary_is_never_empty() -> None:
    plan = plan_site([rec(ACME, 0, title="Acme"), rec(ACME + "a", title="A")], ACME)
    assert plan.summary == "An index of the pages of Acme (acme.example)."
    shared = [rec(ACME + f"p{i}", title=f"P{i}", description="Widgets for all.") for i in range(3)]
    assert plan_site(shared, ACME).summary == "Widgets for all."
    assert render_llms_txt(plan).startswith(
        "# Acme\n\n> An index of the pages of Acme (acme.example).\n\nThis file"
    )


def test_no_pages_still_give_a_valid_file() -> None:
    text = compose([], ACME)
    assert text.startswith("# acme.example\n\n> ")
    assert validate(text) == []


# --- llms-full.txt ---


def _full(
    records: list[PageRecord], start: str, markdown: dict[str, str], budget: int = 10**7
) -> str:
    plan = plan_site(records, start)
    return render_llms_full(plan, records, markdown.get, budget)


def test_llms_full_holds_each_page_in_llms_txt_order_with_demoted_headings() -> None:
    records = [
        rec(ACME, 0, title="Acme", description="Widgets."),
        rec(ACME + "a", title="A"),
        rec(ACME + "b", title="B", markdown_url=ACME + "b.md"),
    ]
    markdown = {
        ACME: "# Acme\n\nWelcome.",
        ACME + "a": "# A\n\nText.\n\n## Part\n\n```\n# not a heading\n```",
        ACME + "b": "Sub\n===\n\nBody",
    }
    assert _full(records, ACME, markdown) == (
        "# Acme\n\n> Widgets.\n\n"
        "## Acme\n\nSource: https://acme.example/\n\nWelcome.\n\n"
        "## A\n\nSource: https://acme.example/a\n\nText.\n\n### Part\n\n```\n# not a heading\n```\n\n"
        "## B\n\nSource: https://acme.example/b.md\n\n### Sub\n\nBody\n"
    )


def test_llms_full_stops_at_the_budget_and_says_what_was_left_out() -> None:
    records = [rec(ACME, 0, title="Acme")] + [rec(ACME + f"p{i}", title=f"P{i}") for i in range(5)]
    markdown = {r.url: "x " * 100 for r in records}
    text = _full(records, ACME, markdown, budget=700)
    assert len(text.split("## Left out")[0].encode()) <= 700
    assert "## P0\n" in text and "## P1\n" not in text
    note = "## Left out\n\n4 pages were left out to keep this file within 700 bytes:\n\n"
    assert text.endswith(
        note + "".join(f"- [P{i}](https://acme.example/p{i})\n" for i in range(1, 5))
    )


def test_llms_full_uses_the_description_when_a_page_has_no_markdown() -> None:
    records = [rec(ACME, 0, title="Acme"), rec(ACME + "a", title="A", description="About A.")]
    assert "## A\n\nSource: https://acme.example/a\n\nAbout A.\n" in _full(records, ACME, {})


def test_demote_headings_keeps_relative_levels_and_code() -> None:
    md = "## Two\n\n### Three\n\n~~~\n## code\n~~~\n\nText\n---\n\n- item\n---"
    assert (
        demote_headings(md)
        == "### Two\n\n#### Three\n\n~~~\n## code\n~~~\n\n### Text\n\n- item\n---"
    )
    assert demote_headings("# Title\n\nBody", "Title") == "Body"
    assert demote_headings("#### Deep\n\n###### Deeper") == "#### Deep\n\n###### Deeper"


def test_plan_records_are_plain_frozen_data() -> None:
    plan = SitePlan("N", "S", "I", (Section("T", (Entry("t", "https://x/", ""),)),))
    assert render_llms_txt(plan) == "# N\n\n> S\n\nI\n\n## T\n\n- [t](https://x/)\n"


def test_nav_groups_whose_links_change_on_every_page_are_not_sections() -> None:
    core = (
        NavItem("Start", ACME + "g/start", ("Guide",)),
        NavItem("Use", ACME + "g/use", ("Guide",)),
    )
    urls = [ACME + f"g/p{i}" for i in range(5)]
    records = [rec(ACME, 0, title="Acme", nav=core)]
    for i, url in enumerate(urls):
        around = (
            NavItem(f"P{i - 1}", urls[i - 1], ("Previous topic",)),
            NavItem("Show source", url + ".txt", ("This page",)),
        )
        records.append(rec(url, title=f"P{i}", nav=core + around))
    records += [rec(i.url, title=i.title, nav=core) for i in core]
    plan = plan_site(records, ACME)
    assert [(s.title, len(s.entries)) for s in plan.sections] == [("Guide", 7)]


def test_a_nav_only_a_few_pages_carry_is_not_the_sites_nav() -> None:
    aside = (NavItem("Aside", ACME + "docs/aside"), NavItem("Other", ACME + "docs/other"))
    records = [rec(ACME, 0, title="Acme")]
    records += [
        rec(ACME + f"docs/p{i}", title=f"P{i}", nav=aside if i < 2 else ()) for i in range(8)
    ]
    records += [rec(ACME + "docs/aside", title="Aside"), rec(ACME + "docs/other", title="Other")]
    assert [s.title for s in plan_site(records, ACME).sections] == ["Pages", "Docs"]


def test_breadcrumb_arrows_are_trimmed_from_nav_titles() -> None:
    nav = (NavItem("Guide »", ACME + "guide/"), NavItem("Guide", ACME + "guide/a", ("Guide",)))
    records = [rec(ACME, 0, title="Acme", nav=nav), rec(ACME + "guide/", title="Guide", nav=nav)]
    records += [rec(ACME + f"guide/{n}", title=n, nav=nav) for n in "ab"]
    assert [s.title for s in plan_site(records, ACME).sections] == ["Guide"]


def test_a_folder_index_heads_its_path_section_and_repeated_titles_say_where() -> None:
    records = [rec(ACME, 0, title="Acme")]
    records += [
        rec(ACME + "lib/index.html", title="Library"),
        rec(ACME + "lib/a.html", title="Index"),
    ]
    records += [rec(ACME + "lib/b-c.html", title="Index")]
    plan = plan_site(records, ACME)
    assert [(s.title, [e.title for e in s.entries]) for s in plan.sections] == [
        ("Pages", ["Acme"]),
        # The path section takes the name the site gives its folder (its index page's title).
        ("Library", ["Library", "Index (A)", "Index (B c)"]),
    ]


def test_pages_of_a_path_section_follow_their_folder_index_links() -> None:
    links = tuple(ACME + f"guide/{name}.html" for name in ("zebra", "apple", "mango"))
    records = [rec(ACME, 0, title="Acme")]
    records += [rec(ACME + "guide/", title="Guide", links=links)]
    records += [rec(ACME + f"guide/{name}.html", title=name.title()) for name in ("apple", "mango")]
    records += [rec(ACME + f"guide/{name}.html", title=name.title()) for name in ("zebra", "kiwi")]
    plan = plan_site(records, ACME)
    guide = next(s for s in plan.sections if s.title == "Guide")
    # The index first, then the order its links give, then what it does not list (by URL).
    assert [e.title for e in guide.entries] == ["Guide", "Zebra", "Apple", "Mango", "Kiwi"]
