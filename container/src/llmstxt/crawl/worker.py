"""Extraction in a worker process: the page goes back as plain tuples, rebuilt on the crawl's side."""

from __future__ import annotations

import dataclasses
from typing import Any

from llmstxt.extract import extract
from llmstxt.models import NavItem, Page

_PackedNav = tuple[tuple[str, str, tuple[str, ...]], ...]


def extract_packed(url: str, body: bytes, charset: str | None, markdown: bool) -> tuple[Any, ...]:
    """extract() for a worker process, as plain tuples: pickling slotted dataclasses one nav item
    at a time cost more than the parse itself."""
    page = extract(url, body, encoding=charset, markdown=markdown)
    nav = tuple((i.title, i.url, i.path) for i in page.nav)
    return tuple(getattr(page, f) if f != "nav" else nav for f in _PAGE_FIELDS)


def unpack_page(packed: tuple[Any, ...], navs: dict[_PackedNav, tuple[NavItem, ...]]) -> Page:
    """The Page a worker packed; pages with the same nav share one tuple of NavItems."""
    fields = dict(zip(_PAGE_FIELDS, packed, strict=True))
    nav = fields["nav"]
    if nav not in navs:
        navs[nav] = tuple(NavItem(t, u, p) for t, u, p in nav)
    fields["nav"] = navs[nav]
    return Page(**fields)


_PAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Page))
