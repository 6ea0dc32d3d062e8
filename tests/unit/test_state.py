"""The crawl state file: records, links and Markdown survive a round trip; shared navs stay shared."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from llmstxt.crawl.state import CrawlState, dump_state, save_state
from llmstxt.models import NavItem, Page, PageRecord
from llmstxt.spool import MarkdownSpool

pytestmark = pytest.mark.unit

START = "https://docs.example.com/"
TOP = (NavItem("Guide", START + "guide/"), NavItem("API", START + "api/", ("Reference",)))
OTHER = (NavItem("Blog", START + "blog/"), NavItem("About", START + "about/"))


def _record(path: str, nav: tuple[NavItem, ...]) -> PageRecord:
    url = START + path
    page = Page(url=url, title=path or "Home", description=f"About {path}", nav=nav, links=(url,))
    return PageRecord(url, 1, 200, etag=f'"{path}"', page=page, sitemap_order=3)


def _records() -> list[PageRecord]:
    # two navs, repeated in an interleaved order: each must come back as the one it was
    navs = [TOP, TOP, OTHER, TOP, OTHER, ()]
    return [_record(f"p{i}.html", nav) for i, nav in enumerate(navs)]


def test_records_links_and_markdown_survive_a_round_trip(tmp_path: Path) -> None:
    records = _records()
    links = {r.url: (START, r.url + "#x") for r in records}
    with MarkdownSpool() as spool:
        spool.put(records[0].url, "# Page zero\n\ntext")
        save_state(tmp_path / "state.gz", START, records, links, spool)
    state = CrawlState.load(tmp_path / "state.gz", START)
    assert state is not None
    try:
        assert [p.record for p in state.pages.values()] == records
        assert state.pages[records[1].url].links == links[records[1].url]
        assert state.spool.get(records[0].url) == "# Page zero\n\ntext"
        assert state.pages[records[0].url].has_markdown
        assert not state.pages[records[1].url].has_markdown
        loaded = [p.record.page for p in state.pages.values()]
        assert all(page is not None for page in loaded)
        # pages that shared a nav share one tuple again (memory stays flat on big sites)
        assert loaded[0].nav is loaded[1].nav is loaded[3].nav  # type: ignore[union-attr]
        assert loaded[2].nav is loaded[4].nav  # type: ignore[union-attr]
    finally:
        state.close()


def test_each_nav_is_written_once(tmp_path: Path) -> None:
    with MarkdownSpool() as spool:
        data = dump_state(START, _records(), {}, spool)
    rows = [json.loads(line) for line in gzip.decompress(data).decode().splitlines()[1:]]
    navs = [row["record"]["page"]["nav"] for row in rows]
    assert navs[0] == [[i.title, i.url, list(i.path)] for i in TOP]
    assert navs[1] == 0 and navs[3] == 0
    assert isinstance(navs[2], list) and navs[4] == 1


def test_a_nav_named_before_it_is_written_makes_the_state_unreadable(tmp_path: Path) -> None:
    with MarkdownSpool() as spool:
        data = dump_state(START, _records()[1:2], {}, spool)
    lines = gzip.decompress(data).decode().splitlines()
    row = json.loads(lines[1])
    row["record"]["page"]["nav"] = 7
    broken = gzip.compress("\n".join([lines[0], json.dumps(row)]).encode())
    assert CrawlState.from_bytes(broken, START) is None
