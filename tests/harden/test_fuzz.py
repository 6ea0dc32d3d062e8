"""Malformed input: hypothesis tag soup and odd bytes through extract, compose and validate.

Properties: extract never raises on any body in any declared encoding; pages extracted from any
HTML compose to an llms.txt that passes `validate` and that the reference parser
(`llms_txt.parse_llms_file`) reads with its title, summary and sections intact; validate never
raises on any text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llms_txt import parse_llms_file

from llmstxt.compose import plan_site, render_llms_full, render_llms_txt
from llmstxt.extract import extract
from llmstxt.models import PageRecord
from llmstxt.validate import validate

pytestmark = pytest.mark.harden

BASE = "https://fuzz.example/"
RUN: Counter[str] = Counter()
FUZZ = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))

NASTY_TEXT = st.text(
    alphabet=st.sampled_from(
        list("ab Z09[]()<>#:>-|*_`!?&;%\\/\"'=\n\t\r é中🙂\u2028\u202e\x00\x0b\ufeff")
    ),
    max_size=24,
)
TAG_NAMES = (
    "html head body title meta link base a nav main article section h1 h2 h3 p div span ul li "
    "script style noscript template svg math table tr td pre code iframe form button footer "
    "header aside br img !DOCTYPE"
)
TAGS = st.sampled_from(TAG_NAMES.split())
ATTRS = st.sampled_from(
    ["href", "rel", "name", "property", "content", "charset", "http-equiv", "lang", "class", "id"]
)
VALUES = st.one_of(
    NASTY_TEXT,
    st.sampled_from(
        [
            "/",
            "a",
            "../../x",
            "javascript:alert(1)",
            "//evil.example/",
            "http://[::1/",
            "canonical",
            "alternate",
            "description",
            "og:title",
            "og:site_name",
            "noindex",
            "text/markdown",
            "refresh",
            "0;url=/x",
            "utf-16",
            "bogus-charset",
            "http://fuzz.example/docs/a",
            "mailto:x@y",
            "data:text/html,<p>x",
        ]
    ),
)


@st.composite
def fragment(draw: st.DrawFn) -> str:
    """One piece of tag soup: an open or close tag with attributes, text, entity, comment, CDATA."""
    kind = draw(st.integers(0, 7))
    tag = draw(TAGS)
    if kind == 0:
        attrs = draw(st.lists(st.tuples(ATTRS, VALUES), max_size=3))
        quote = draw(st.sampled_from(['"', "'", ""]))
        rendered = "".join(f" {k}={quote}{v}{quote}" for k, v in attrs)
        return f"<{tag}{rendered}{draw(st.sampled_from(['>', '/>', '', ' >']))}"
    if kind == 1:
        return f"</{tag}>"
    if kind == 2:
        return draw(st.sampled_from(["&amp;", "&#0;", "&#x110000;", "&nbsp", "&bogus;", "&#65"]))
    if kind == 3:
        return draw(st.sampled_from(["<!--", "-->", "<!-- x -->", "<![CDATA[", "]]>", "<?xml ?>"]))
    return draw(NASTY_TEXT)


SOUP = st.lists(fragment(), max_size=60).map("".join)
ENCODINGS = st.sampled_from(
    [
        None,
        "utf-8",
        "utf-16",
        "utf-16-be",
        "latin-1",
        "cp1252",
        "shift_jis",
        "koi8-r",
        "gb18030",
        "bogus-charset",
        "",
        "utf-8; x",
    ]
)


@pytest.fixture(scope="module", autouse=True)
def figure(request: pytest.FixtureRequest) -> Iterator[None]:
    """Write how many examples each property ran when the module ends."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and RUN:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(RUN.items()))
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nfuzz: {sum(RUN.values())} examples ({detail})")


def extract_both(url: str, body: bytes | str, encoding: str | None) -> None:
    """Extract with and without Markdown; both must give a Page for url."""
    for markdown in (False, True):
        page = extract(url, body, encoding=encoding, markdown=markdown)
        assert page.url == url


@settings(FUZZ, max_examples=1000)
@given(SOUP, ENCODINGS)
def test_extract_never_raises_on_tag_soup(html: str, encoding: str | None) -> None:
    RUN["extract tag soup"] += 1
    extract_both(BASE + "soup", html, None)
    codec = encoding if encoding and _known(encoding) else "utf-8"
    extract_both(BASE + "soup", html.encode(codec, errors="replace"), encoding)


@settings(FUZZ, max_examples=600)
@given(st.binary(max_size=2048), ENCODINGS)
def test_extract_never_raises_on_arbitrary_bytes(body: bytes, encoding: str | None) -> None:
    RUN["extract bytes"] += 1
    extract_both(BASE + "bytes", body, encoding)
    extract_both(BASE + "bom", b"\xff\xfe" + body, encoding)  # a UTF-16 BOM on garbage
    extract_both(BASE + "meta", b'<meta charset="utf-16"><title>' + body, None)


def _known(encoding: str) -> bool:
    """True when Python has a codec of that name."""
    try:
        "".encode(encoding)
    except LookupError:
        return False
    return True


@st.composite
def soup_site(draw: st.DrawFn) -> list[PageRecord]:
    """A few pages of tag soup with nasty titles and links to each other, extracted."""
    n = draw(st.integers(1, 8))
    urls = [BASE] + [f"{BASE}docs/p{i}" for i in range(1, n)]
    records = []
    for depth, url in enumerate(urls):
        links = "".join(
            f'<a href="{u}">{draw(NASTY_TEXT)}</a>'
            for u in draw(st.lists(st.sampled_from(urls), max_size=4))
        )
        html = (
            f"<html><head><title>{draw(NASTY_TEXT)}</title>"
            f'<meta name="description" content="{draw(NASTY_TEXT)}">{draw(SOUP)}</head>'
            f"<body><nav>{links}</nav><main><h1>{draw(NASTY_TEXT)}</h1>{draw(SOUP)}</main></body>"
        )
        page = extract(url, html.encode("utf-8", errors="replace"), markdown=True)
        records.append(PageRecord(url, min(depth, 1), 200, page))
    return records


@settings(FUZZ, max_examples=400)
@given(soup_site())
def test_pages_from_any_html_compose_to_a_valid_file_the_reference_parser_reads(
    records: list[PageRecord],
) -> None:
    RUN["compose + validate + reference parser"] += 1
    plan = plan_site(records, BASE)
    text = render_llms_txt(plan)
    assert validate(text) == [], text
    parsed: Any = parse_llms_file(text)
    assert (parsed.title, parsed.summary) == (plan.name, plan.summary)
    assert list(parsed.sections) == [s.title for s in plan.sections]
    markdown = {r.url: r.page.markdown or "" for r in records if r.page}
    full = render_llms_full(plan, records, lambda url: markdown.get(url), 1 << 20)
    assert full.startswith("# ")


@settings(FUZZ, max_examples=1000)
@given(
    st.one_of(
        st.text(max_size=400),
        st.lists(
            st.one_of(
                NASTY_TEXT,
                st.sampled_from(
                    ["# T", "> s", "## S", "- [a](https://x.org/)", "- [", "```", "###", ""]
                ),
            ),
            max_size=20,
        ).map("\n".join),
    )
)
def test_validate_never_raises_on_any_text(text: str) -> None:
    RUN["validate any text"] += 1
    problems = validate(text)
    assert all(p.code[0] in "EW" and p.line >= 0 for p in problems)
