"""Page HTML -> Markdown of its main content (pure), for llms-full.txt.

The converter is `html-to-markdown` (a Rust core with Python bindings). Measured on the checked-in
fixtures and python3.11-doc pages (see docs/benchmarks.md, "Markdown converters"), it is an order of
magnitude faster than markdownify (BeautifulSoup) and html2text (pure-Python HTMLParser), and its
output keeps what llms-full.txt readers need: ATX headings, fenced code blocks with their language,
pipe tables, nested lists and absolute links.
"""

from __future__ import annotations

import copy
import re
from urllib.parse import urljoin

import html_to_markdown
from lxml import etree  # type: ignore[import-untyped]

_XP = etree.XPath
_MAIN = [
    _XP("//main"),
    _XP("//*[@role='main']"),
    _XP("//article"),
    _XP("//div[contains(concat(' ', @class, ' '), ' body ')]"),
    _XP("//div[contains(@class, 'rst-content')]"),
    _XP("//div[@id='content' or @id='main-content' or @id='main']"),
    _XP("//div[contains(concat(' ', @class, ' '), ' content ')]"),
    _XP("//body"),
]
_CHROME = _XP(
    ".//nav | .//header | .//footer | .//aside | .//script | .//style | .//noscript | .//form"
    " | .//button | .//template | .//iframe | .//svg"
    " | .//*[@role='navigation' or @role='search' or @aria-hidden='true']"
    " | .//a[contains(concat(' ', @class, ' '), ' headerlink ')]"
    " | .//*[contains(concat(' ', @class, ' '), ' sphinxsidebar ')]"
    " | .//*[contains(concat(' ', @class, ' '), ' md-source-file ')]"
    " | .//*[contains(@class, 'edit-this-page') or contains(@class, 'md-content__button')]"
)
_OPTIONS = html_to_markdown.ConversionOptions(
    heading_style="atx", code_block_style="backticks", wrap=False, extract_metadata=False
)
_BLANKS = re.compile(r"\n{3,}")


def main_content(root: etree._Element) -> etree._Element | None:
    """The element that holds the page's own content (main, article, Sphinx body...), else body."""
    for query in _MAIN:
        found = query(root)
        if found:
            return max(found, key=_size) if len(found) > 1 else found[0]
    return None


def _size(el: etree._Element) -> int:
    """A cheap size measure to pick the biggest of several candidates."""
    return sum(1 for _ in el.iter())


def _drop(el: etree._Element, parent: etree._Element) -> None:
    """Remove el but keep the text that follows it (its tail)."""
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _absolute_links(main: etree._Element, base_url: str) -> None:
    """Make every link and image source absolute (llms-full.txt is read far from the site)."""
    for el in main.iter("a", "img"):
        attr = "href" if el.tag == "a" else "src"
        value = el.get(attr)
        if value and not value.startswith(("#", "data:", "javascript:", "mailto:")):
            try:
                el.set(attr, urljoin(base_url, value.strip()))
            except ValueError:
                del el.attrib[attr]


def main_content_markdown(root: etree._Element, base_url: str) -> str:
    """The main content as Markdown: chrome stripped, links and images absolute."""
    main = main_content(root)
    if main is None:
        return ""
    main = copy.deepcopy(main)
    for el in _CHROME(main):
        parent = el.getparent()
        if el is not main and parent is not None:
            _drop(el, parent)
    _absolute_links(main, base_url)
    source = etree.tostring(main, encoding="unicode", method="html")
    try:
        converted = html_to_markdown.convert(source, _OPTIONS).content or ""
    except Exception:
        converted = " ".join(main.itertext())
    return _BLANKS.sub("\n\n", converted).strip()
