"""Sites that publish Markdown twins (`/page.md`, `/index.md`) get them linked, found in a few requests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from llmstxt.config import CrawlConfig
from llmstxt.pipeline import generate
from tests.sites.serve import BackgroundServer

PAGES = ["a", "b", "c", "d"]


def _site(with_twins: bool, log: list[str]) -> web.Application:
    """A five-page site; with_twins adds a Markdown copy of every page."""

    async def handle(request: web.Request) -> web.Response:
        path = request.path
        log.append(path)
        if path == "/robots.txt":
            return web.Response(text="User-agent: *\nAllow: /\n")
        if path.endswith(".md"):
            if not with_twins:
                return web.Response(status=404)
            return web.Response(text=f"# {path}\n\ntext\n", content_type="text/markdown")
        name = "home" if path == "/" else path.strip("/").removesuffix(".html")
        if name != "home" and name not in PAGES:
            return web.Response(status=404)
        links = "".join(f'<li><a href="/{p}.html">Page {p}</a></li>' for p in PAGES)
        body = f"<html><head><title>{name} | Twins</title></head><body><nav><ul>{links}</ul></nav>"
        body += f"<main><h1>{name}</h1><p>The {name} page says something long enough to keep.</p></main>"
        return web.Response(text=body + "</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app


def _run(with_twins: bool, tmp_path: Path) -> tuple[str, list[str]]:
    """Generate for the site; return llms.txt and the paths the server was asked for."""
    log: list[str] = []
    with BackgroundServer(lambda: _site(with_twins, log)) as server:
        config = CrawlConfig(start_url=server.base + "/", full=False, extract_workers=0)
        result = asyncio.run(generate(config, tmp_path))
    return result.llms_txt, log


def test_markdown_twins_are_linked_instead_of_html(tmp_path: Path) -> None:
    llms_txt, log = _run(True, tmp_path)
    for page in PAGES:
        assert f"/{page}.html.md)" in llms_txt
    assert ".html)" not in llms_txt
    # Found without doubling the requests: two probes of the start page, two confirmations.
    assert sum(p.endswith(".md") for p in log) <= 4


def test_sites_without_twins_cost_two_probes_and_keep_html_links(tmp_path: Path) -> None:
    llms_txt, log = _run(False, tmp_path)
    assert ".md)" not in llms_txt
    assert f"/{PAGES[0]}.html)" in llms_txt
    assert sorted(p for p in log if p.endswith(".md")) == ["/index.html.md", "/index.md"]
