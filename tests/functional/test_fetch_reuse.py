"""A fetched page leaves its connection reusable, whatever its encoding and framing."""

from __future__ import annotations

import pytest
from aiohttp import web

from llmstxt.config import CrawlConfig
from llmstxt.crawl.fetch import Fetcher
from llmstxt.pipeline import make_client

pytestmark = pytest.mark.functional

PAGE = (
    "<html><head><title>t</title></head><body>" + "<p>words and words</p>" * 500 + "</body></html>"
)


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "identity"])
async def test_pages_are_read_to_their_end_and_the_connection_is_reused(
    framing: str, encoding: str
) -> None:
    peers: list[object] = []

    async def page(request: web.Request) -> web.StreamResponse:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        response = web.Response(text=PAGE, content_type="text/html")
        if encoding != "identity":
            response.enable_compression(web.ContentCoding(encoding))
        if framing == "chunked":
            response.enable_chunked_encoding()
        return response

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    try:
        config = CrawlConfig(start_url=base)
        async with make_client(config) as client:
            fetcher = Fetcher(client, config)
            bodies = [(await fetcher.get(base)).body for _ in range(4)]
    finally:
        await runner.cleanup()
    assert all(body.decode() == PAGE for body in bodies)
    assert len(peers) == 4
    assert len(set(peers)) == 1, f"{len(set(peers))} connections for 4 requests"
