"""The reference parser (`llms_txt.parse_llms_file`) reads every file compose writes intact."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from llms_txt import parse_llms_file
from test_compose import SHAPES

from llmstxt.compose import SitePlan, escape_title, escape_url, plan_site, render_llms_txt
from llmstxt.models import NavItem, Page, PageRecord
from llmstxt.validate import validate

BASE = "https://nasty.example/"


def assert_read_intact(plan: SitePlan) -> None:
    """The reference parser gives back the plan's title, summary, intro and every link."""
    text = render_llms_txt(plan)
    assert validate(text) == []
    parsed: Any = parse_llms_file(text)
    assert (parsed.title, parsed.summary, parsed.info) == (plan.name, plan.summary, plan.intro)
    assert list(parsed.sections) == [s.title for s in plan.sections]
    for section in plan.sections:
        links = [(d["title"], d["url"], d["desc"]) for d in parsed.sections[section.title]]
        assert links == [(e.title, e.url, e.description or None) for e in section.entries]


@pytest.mark.parametrize("shape", SHAPES)
def test_every_site_shape_is_read_intact(shape: str) -> None:
    build, start, _ = SHAPES[shape]
    plan = plan_site(build(), start)
    assert sum(len(s.entries) for s in plan.sections) >= 5
    assert_read_intact(plan)


def test_what_the_reference_parser_misreads_never_reaches_the_output() -> None:
    nav = (
        NavItem("Setup: [beta]", BASE + "setup", ("Guide: part [1] ##",)),
        NavItem("Other", BASE + "other", ("Guide: part [1] ##",)),
        NavItem("Q&A", BASE + "faq(old)", ("### Questions",)),
    )
    records = [
        PageRecord(
            BASE,
            0,
            200,
            Page(BASE, title="# Nasty: site", description="> > first\nsecond line", nav=nav),
        ),
        PageRecord(
            BASE + "setup",
            1,
            200,
            Page(
                BASE + "setup", title="Setup: [beta]", description="Use: [x](y) then ): z", nav=nav
            ),
        ),
        PageRecord(BASE + "other", 1, 200, Page(BASE + "other", title="ends with \\", nav=nav)),
        PageRecord(BASE + "faq(old)", 1, 200, Page(BASE + "faq(old)", title="Q&A", nav=nav)),
    ]
    plan = plan_site(records, BASE)
    assert plan.summary == "first second line"
    text = render_llms_txt(plan)
    assert "- [Setup: (beta)](https://nasty.example/setup): Use: [x](y) then ): z" in text
    assert "(https://nasty.example/faq%28old%29)" in text
    assert "\n## Guide: part [1]\n" in text
    assert_read_intact(plan)


def test_escaped_brackets_are_what_the_reference_parser_cannot_read() -> None:
    """Why compose turns brackets in titles into parentheses instead of escaping them."""
    text = "# T\n\n> s\n\nInfo.\n\n## S\n\n- [a \\] b](https://x.org/)\n"
    with pytest.raises(AttributeError):
        parse_llms_file(text)
    assert [p.code for p in validate(text)] == ["W310"]


def test_without_prose_after_the_summary_the_reference_parser_fails() -> None:
    """Why compose always writes an intro paragraph after the summary."""
    with pytest.raises(TypeError):
        parse_llms_file("# T\n> s\n\n## S\n- [a](https://x.org/)\n")


NASTY = st.text(
    alphabet=st.sampled_from(list("ab Z09[]()<>#:>-|—–·\\`*_!?&%\n\t\r é中🙂\u2028\x0b")),
    max_size=30,
)
SEGMENT = st.text(alphabet=st.sampled_from(list("abz09-_.() %[]é#?")), min_size=1, max_size=12)


@st.composite
def site(draw: st.DrawFn) -> list[PageRecord]:
    """Random pages with nasty titles, descriptions, group names and URLs."""
    n = draw(st.integers(1, 12))
    paths = draw(st.lists(st.lists(SEGMENT, min_size=1, max_size=3), min_size=n, max_size=n))
    urls = [BASE] + [BASE + "/".join(p) for p in paths]
    groups = draw(st.lists(NASTY, min_size=1, max_size=3))
    nav = tuple(
        NavItem(draw(NASTY), u, tuple(draw(st.lists(st.sampled_from(groups), max_size=2))))
        for u in draw(st.lists(st.sampled_from(urls), max_size=6))
    )
    records = []
    for i, url in enumerate(urls):
        page = Page(
            url,
            title=draw(NASTY),
            h1=draw(NASTY),
            og_title=draw(NASTY),
            site_name=draw(st.sampled_from(["", "Site [x]", "\n"])),
            description=draw(NASTY),
            nav=nav if draw(st.booleans()) else (),
            markdown_url=url + ".md" if draw(st.booleans()) else "",
            content_hash=draw(st.sampled_from(["", "h1", "h2"])),
        )
        records.append(PageRecord(url, 0 if i == 0 else 1, 200, page))
    return records


@settings(max_examples=300, deadline=None, database=None)
@given(site())
def test_any_pages_compose_to_a_valid_file_the_reference_parser_reads(
    records: list[PageRecord],
) -> None:
    plan = plan_site(records, BASE)
    assert_read_intact(plan)
    urls = [e.url for s in plan.sections for e in s.entries]
    assert len(urls) == len(set(urls))
    assert all(e.title.strip() for s in plan.sections for e in s.entries)
    shuffled = list(records)
    random.Random(len(records)).shuffle(shuffled)
    assert render_llms_txt(plan_site(shuffled, BASE)) == render_llms_txt(plan)


@given(NASTY)
@settings(deadline=None, database=None)
def test_escaped_titles_and_urls_keep_their_delimiters_out(text: str) -> None:
    title = escape_title(text)
    assert not set(title) & set("[]\n")
    url = escape_url(BASE + text)
    assert not set(url) & set("() \n")
