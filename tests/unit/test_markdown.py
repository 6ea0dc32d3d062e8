"""Main content to Markdown on real pages: headings, code fences, tables, no chrome, absolute links."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from lxml import etree
from parsel import Selector

from llmstxt.extract import extract
from llmstxt.markdown import main_content_markdown

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent.parent / "fixtures" / "html"
PYDOC = "https://docs.python.org/3.11/"
BOOK = "https://doc.rust-lang.org/book/"


@cache
def markdown(name: str, url: str) -> str:
    """The fixture's main content as Markdown, through extract() as the crawler calls it."""
    found = extract(url, (FIXTURES / name).read_bytes(), markdown=True).markdown
    assert found is not None
    return found


def sphinx_tutorial() -> str:
    """The Python tutorial's introduction page."""
    return markdown("sphinx_tutorial_introduction.html", PYDOC + "tutorial/introduction.html")


def mdbook() -> str:
    """The Rust book's data types chapter."""
    return markdown("mdbook_data_types.html", BOOK + "ch03-02-data-types.html")


def plain() -> str:
    """The hand-written pricing page."""
    return markdown("plain_site.html", "https://acme.example/pricing/")


def test_sphinx_headings_without_permalink_marks() -> None:
    text = sphinx_tutorial()
    assert text.startswith("# 3. An Informal Introduction to Python\n")
    assert "\n## 3.1. Using Python as a Calculator\n" in text
    assert "\n### 3.1.1. Numbers\n" in text
    assert "¶" not in text


def test_sphinx_code_blocks_keep_their_language() -> None:
    text = sphinx_tutorial()
    assert "```python\n# this is the first comment\nspam = 1" in text
    fences = re.findall(r"^```(\S*)$", text, re.M)
    assert fences.count("python") >= 20
    assert len(fences) % 2 == 0  # every fence is closed


def test_sphinx_chrome_left_out() -> None:
    text = sphinx_tutorial()
    for chrome in (
        "Table of Contents",
        "Previous topic",
        "Report a Bug",
        "Show Source",
        "Quick search",
    ):
        assert chrome not in text
    assert "© Copyright" not in text and "Navigation" not in text


def test_prose_line_breaks_unwrapped() -> None:
    # The source wraps paragraphs at 80 columns; the Markdown keeps one paragraph per line
    assert (
        "In the following examples, input and output are distinguished by the presence or absence of prompts"
        in sphinx_tutorial()
    )


def test_links_absolute() -> None:
    text = sphinx_tutorial()
    targets = re.findall(r"\]\((\S+?)(?: \"[^\"]*\")?\)", text)
    assert targets and all(t.startswith("https://") for t in targets)
    assert "(https://docs.python.org/3.11/glossary.html#term-0)" in text


def test_mdbook_code_is_one_fence_with_language_and_no_hidden_lines() -> None:
    text = mdbook()
    assert '```rust\nlet guess: u32 = "42".parse().expect("Not a number!");\n```' in text
    assert "````" not in text  # no fence nested in a fence
    assert "#![allow(unused)]" not in text  # mdBook's hidden "boring" lines
    assert "```console\n$ cargo build" in text


def test_mdbook_heading_self_links_unwrapped_and_sidebar_gone() -> None:
    text = mdbook()
    assert text.startswith("## Data Types\n")
    assert "### Scalar Types" in text and "](#" not in text
    assert "Hello, Cargo!" not in text  # the chapter list is navigation
    assert "(https://doc.rust-lang.org/book/ch02-00-guessing-game-tutorial.html#comparing" in text


def test_tables_become_pipe_tables() -> None:
    assert "| Length  | Signed  | Unsigned |" in mdbook()
    assert "| Enterprise | Call us | Unlimited |" in plain()


def test_plain_page_without_nav_header_footer_aside_cookies_forms() -> None:
    text = plain()
    assert text.startswith("# Pricing\n")
    for chrome in (
        "Skip to content",
        "Terms of service",
        "© 2024",
        "Related",
        "cookies",
        "Subscribe",
        "Blog",
    ):
        assert chrome not in text
    assert '```python\nimport acme\n\nclient = acme.Client(token="...")\n```' in text


def test_plain_page_links_and_images_absolute_against_base() -> None:
    text = plain()
    assert "[billing FAQ](https://acme.example/docs/faq.html#billing)" in text
    assert "![Plans](https://acme.example/products/img/plans.png)" in text
    assert "javascript:" not in text and "Do nothing" in text


def test_mkdocs_material_without_toc_and_with_content() -> None:
    text = markdown(
        "mkdocs_material_reference.html",
        "https://oprypin.github.io/mkdocs-literate-nav/reference.html",
    )
    assert text.startswith("# Reference\n")
    assert "## Literate nav syntax" in text
    assert "Table of contents" not in text and "Initializing search" not in text
    assert "(https://oprypin.github.io/mkdocs-literate-nav/reference.html#nav-list-syntax)" in text


def test_mkdocs_theme_bash_fences() -> None:
    text = markdown("mkdocs_getting_started.html", "https://www.mkdocs.org/getting-started.html")
    assert text.startswith("# Getting Started with MkDocs\n")
    assert "```bash\npip install mkdocs\n```" in text
    assert "\uf0c1" not in text  # the icon-font permalink
    assert "Edit on GitHub" not in text


def test_no_runs_of_blank_lines_and_trimmed() -> None:
    for text in (sphinx_tutorial(), mdbook(), plain()):
        assert "\n\n\n" not in text
        assert text == text.strip()


def test_accepts_a_parsel_selector_and_an_lxml_root() -> None:
    html = "<html><body><nav><a href='/x'>Nav</a></nav><main><h2>T</h2><p><a href='y'>y</a></p></main></body></html>"
    expected = "## T\n\n[y](https://s.example/d/y)"
    assert main_content_markdown(Selector(text=html), "https://s.example/d/") == expected
    root = etree.fromstring(html, etree.HTMLParser())
    assert main_content_markdown(root, "https://s.example/d/") == expected


def test_js_shell_has_no_markdown() -> None:
    assert markdown("spa_shell.html", "https://app.example/") == ""


def test_mkdocs_material9_article_without_edit_button_and_toc() -> None:
    text = markdown("mkdocs_material9_install.html", "https://widgets.example/docs/guide/install/")
    assert text == (
        "# Installation\n\nInstall the widget library with pip; it needs Python 3.11 or newer and no"
        " compiler.\n\n```python\nimport widgets\n```\n\n## Upgrading\n\nRun the same command with"
        " `--upgrade`."
    )
