"""Markdown twins: the URL conventions by which a site serves a page's Markdown beside its HTML."""

from __future__ import annotations

from collections.abc import Callable

Twin = Callable[[str], str]

MARKDOWN_TYPES = ("text/markdown", "text/x-markdown", "text/plain")


def md_twin(url: str) -> str:
    """`/a/b.html` -> `/a/b.html.md`, `/a/b` -> `/a/b.md`, `/a/` -> `/a/index.md`."""
    return url + "index.md" if url.endswith("/") else url + ".md"


def index_md_twin(url: str) -> str:
    """`/a/` -> `/a/index.html.md`: the convention of the llms.txt proposal."""
    return url + "index.html.md" if url.endswith("/") else url + ".md"


PATTERNS: tuple[Twin, ...] = (md_twin, index_md_twin)
