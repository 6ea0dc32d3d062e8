"""What the last good crawl of a site learnt, so the next one sends conditional GETs and reuses pages.

Kept per page: the record (validators, sitemap lastmod, the extracted page), its links (a page
answered 304 still leads to the rest of the site) and its Markdown (in a disk spool, so memory
stays flat). Stored as gzipped JSON lines; the CLI keeps it in the output folder.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from llmstxt import __version__
from llmstxt.models import NavItem, Page, PageRecord
from llmstxt.spool import MarkdownSpool

# The state's records hold this version's extraction: another version (or format) starts afresh.
# Format 2: a page's nav is written once, where it first appears; later pages name it by number.
FORMAT = f"2/{__version__}"


@dataclass(frozen=True, slots=True)
class Previous:
    """One page as the last crawl left it."""

    record: PageRecord
    links: tuple[str, ...]
    has_markdown: bool


class CrawlState:
    """The previous crawl's pages by URL, with their Markdown in a spool."""

    def __init__(self, start_url: str) -> None:
        self.start_url = start_url
        self.pages: dict[str, Previous] = {}
        self.spool = MarkdownSpool()
        self._navs: list[tuple[NavItem, ...]] = []  # pages share navs, by number in the file
        self._strings: dict[str, str] = {}  # and link URLs

    def conditional_headers(self, url: str, need_markdown: bool) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for url, when reusing its old record would do."""
        previous = self.pages.get(url)
        if previous is None or previous.record.page is None:
            return {}
        if need_markdown and not previous.has_markdown:
            return {}
        headers = {}
        if previous.record.etag:
            headers["If-None-Match"] = previous.record.etag
        if previous.record.last_modified:
            headers["If-Modified-Since"] = previous.record.last_modified
        return headers

    def close(self) -> None:
        """Delete the spool."""
        self.spool.close()

    @classmethod
    def load(cls, path: Path, start_url: str) -> CrawlState | None:
        """The state saved at path for this start URL, or None (absent, other site, unreadable)."""
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                return cls._read(f, start_url)
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            return None

    @classmethod
    def from_bytes(cls, data: bytes, start_url: str) -> CrawlState | None:
        """The state dump_state produced, or None (other site, other version, unreadable)."""
        try:
            with gzip.open(io.BytesIO(data), "rt", encoding="utf-8") as f:
                return cls._read(f, start_url)
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            return None

    @classmethod
    def _read(cls, f: IO[str], start_url: str) -> CrawlState | None:
        """Read a header line, then one page a line."""
        header = json.loads(f.readline())
        if header != {"format": FORMAT, "start_url": start_url}:
            return None
        state = cls(start_url)
        try:
            for line in f:
                state._add(json.loads(line))
        except BaseException:
            state.close()  # a state that cannot be read whole is not used: drop its spool too
            raise
        return state

    def _add(self, row: dict[str, Any]) -> None:
        """Take one saved page."""
        record = record_from_json(row["record"], self._navs)
        markdown = row.get("markdown")
        if markdown is not None:
            self.spool.put(record.url, markdown)
        links = tuple(self._strings.setdefault(link, link) for link in row["links"])
        self.pages[record.url] = Previous(record, links, markdown is not None)


def save_state(
    path: Path,
    start_url: str,
    records: Iterable[PageRecord],
    links: Mapping[str, tuple[str, ...]],
    spool: MarkdownSpool,
) -> None:
    """Write the state of a good crawl to path atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=1) as f:
        _write(f, start_url, records, links, spool)
    os.replace(tmp, path)


def dump_state(
    start_url: str,
    records: Iterable[PageRecord],
    links: Mapping[str, tuple[str, ...]],
    spool: MarkdownSpool,
) -> bytes:
    """The state of a good crawl as bytes, for a store (the service keeps it per site)."""
    buffer = io.BytesIO()
    with gzip.open(buffer, "wt", encoding="utf-8", compresslevel=1) as f:
        _write(f, start_url, records, links, spool)
    return buffer.getvalue()


def _write(
    f: IO[str],
    start_url: str,
    records: Iterable[PageRecord],
    links: Mapping[str, tuple[str, ...]],
    spool: MarkdownSpool,
) -> None:
    """A header line, then each fetched page with a page record, its links and its Markdown."""
    f.write(json.dumps({"format": FORMAT, "start_url": start_url}) + "\n")
    navs: dict[tuple[NavItem, ...], int] = {}
    for r in records:
        if r.page is None or r.error:
            continue
        record = record_to_json(r, navs)
        row: dict[str, Any] = {"record": record, "links": list(links.get(r.url, ()))}
        row["markdown"] = spool.get(r.url)
        f.write(json.dumps(row, ensure_ascii=False) + "\n")


_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(PageRecord) if f.name != "page")
_PAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Page) if f.name != "nav")


def record_to_json(
    r: PageRecord, navs: dict[tuple[NavItem, ...], int] | None = None
) -> dict[str, Any]:
    """A record as plain JSON data (by hand: dataclasses.asdict deep-copies every nav item).

    With navs (the navs written so far, numbered in order), a nav already written is written as
    its number: most pages of a site share a handful of navs, 40 items each.
    """
    data: dict[str, Any] = {name: getattr(r, name) for name in _RECORD_FIELDS}
    page = r.page
    if page is None:
        data["page"] = None
        return data
    data["page"] = {name: getattr(page, name) for name in _PAGE_FIELDS}
    number = navs.get(page.nav) if navs is not None else None
    if number is None:
        data["page"]["nav"] = [[i.title, i.url, i.path] for i in page.nav]
        if navs is not None:
            navs[page.nav] = len(navs)
    else:
        data["page"]["nav"] = number
    return data


def record_from_json(
    data: dict[str, Any], navs: list[tuple[NavItem, ...]] | None = None
) -> PageRecord:
    """The record record_to_json wrote; navs collects the navs read so far, in file order."""
    page = data.pop("page")
    if page is not None:
        nav = page["nav"]
        if isinstance(nav, int):
            if navs is None or not 0 <= nav < len(navs):
                raise ValueError(f"nav {nav} named before it was written")
            page["nav"] = navs[nav]
        else:
            page["nav"] = tuple(NavItem(title, url, tuple(path)) for title, url, path in nav)
            if navs is not None:
                navs.append(page["nav"])
        page["breadcrumbs"] = tuple(page["breadcrumbs"])
        page["links"] = tuple(page["links"])
        page = Page(**page)
    return PageRecord(**data, page=page)
