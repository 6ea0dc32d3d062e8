"""A real documentation site end to end: Debian's python3.11-doc (Sphinx) served from .cache/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
import pytest
from llms_txt import parse_llms_file

from tests.functional.conftest import generate_sync, path_of
from tests.sites.static import PYDOC, start_static

SEARCH_PAGES = {"/search.html"}  # a search page is skipped by design


def reachable_pages(root: Path) -> set[str]:
    """URL paths of the HTML files reachable by links from index.html, found by walking the files."""
    seen, todo = {"/index.html"}, ["/index.html"]
    while todo:
        path = todo.pop()
        tree = lxml.html.fromstring((root / path.lstrip("/")).read_bytes())
        for href in tree.xpath("//a/@href"):
            target = urlsplit(urljoin(f"http://x{path}", href))
            if target.netloc != "x" or not target.path.endswith(".html"):
                continue
            local = unquote(target.path)
            if local not in seen and (root / local.lstrip("/")).is_file():
                seen.add(local)
                todo.append(local)
    return seen


@pytest.fixture(scope="module")
def pydoc_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, set[str]]]:
    """Crawl the whole python3.11-doc tree once."""
    if not (PYDOC / "index.html").is_file():
        pytest.fail("python3.11-doc is missing: run `make test-deps` (tests/sites/fetch_pydoc.sh)")
    with start_static(PYDOC) as server:
        out = tmp_path_factory.mktemp("pydoc")
        result = generate_sync(server.base + "/", out, max_pages=800, concurrency=16)
        yield result, reachable_pages(PYDOC) - SEARCH_PAGES


def kept_paths(result: Any) -> set[str]:
    """Kept pages as paths, / standing for /index.html."""
    paths = {path_of(r.url) for r in result.records if r.kept}
    return {"/index.html" if p == "/" else p for p in paths}


def test_covers_the_reachable_pages(pydoc_run: tuple[Any, set[str]]) -> None:
    """At least 95% of the HTML files reachable from index.html are kept."""
    result, reachable = pydoc_run
    assert len(reachable) > 400  # the walk itself found the site
    covered = reachable & kept_paths(result)
    missing = sorted(reachable - covered)
    assert len(covered) >= 0.95 * len(reachable), (len(covered), len(reachable), missing[:10])


def test_site_name_heading(pydoc_run: tuple[Any, set[str]]) -> None:
    """The H1 names the site (Python ... documentation), not a page title."""
    parsed = parse_llms_file(pydoc_run[0].llms_txt)
    title = parsed["title"]
    assert "Python" in title and "ocumentation" in title, title
    assert not re.match(r"^3\.11", title)
    assert parsed["summary"]


def test_titles_have_no_site_suffix(pydoc_run: tuple[Any, set[str]]) -> None:
    """No link title keeps " — Python 3.11.x documentation"."""
    parsed = parse_llms_file(pydoc_run[0].llms_txt)
    titles = [link["title"] for items in parsed["sections"].values() for link in items]
    assert len(titles) >= 400
    junk = [t for t in titles if re.search(r"Python 3\.11(\.\d+)? documentation", t)]
    assert not junk, junk[:5]
    assert "The Python Tutorial" in titles or any(
        t.startswith("The Python Tutorial") for t in titles
    )


def test_sections_follow_the_docs(pydoc_run: tuple[Any, set[str]]) -> None:
    """Several sections, among them the tutorial and library reference."""
    sections = parse_llms_file(pydoc_run[0].llms_txt)["sections"]
    assert len(sections) >= 3, list(sections)
    links = [link["url"] for items in sections.values() for link in items]
    assert len(links) == len(set(links))
    assert any("/tutorial/" in url for url in links)
    assert any("/library/" in url for url in links)


def test_valid_for_our_validator_and_the_reference_parser(pydoc_run: tuple[Any, set[str]]) -> None:
    """No validation problem; the reference parser reads title, summary and sections."""
    from llmstxt.validate import validate

    text = pydoc_run[0].llms_txt
    assert validate(text) == []
    parsed = parse_llms_file(text)
    assert parsed["title"] and parsed["summary"] and parsed["sections"]
