"""inflate_capped: gzip/deflate bodies decoded in bounded pieces, never past the cap."""

from __future__ import annotations

import gzip
import zlib

import httpx2
import pytest

from llmstxt.crawl.fetch import inflate_capped

pytestmark = pytest.mark.unit


def _response(body: bytes, encoding: str) -> httpx2.Response:
    headers = {"content-encoding": encoding} if encoding else {}
    request = httpx2.Request("GET", "https://example.com/")
    return httpx2.Response(200, headers=headers, stream=httpx2.ByteStream(body), request=request)


async def _pieces(body: bytes, encoding: str, limit: int) -> list[bytes]:
    return [piece async for piece in inflate_capped(_response(body, encoding), limit)]


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", gzip.compress),  # some servers send gzip under "deflate"
        ("", lambda b: b),
        ("identity", lambda b: b),
    ],
)
async def test_bodies_decode_whole_under_the_cap(encoding: str, pack: object) -> None:
    text = b"<p>hello</p>" * 10_000
    pieces = await _pieces(pack(text), encoding, limit=10**6)  # type: ignore[operator]
    assert b"".join(pieces) == text


async def test_a_bomb_is_never_inflated_much_past_the_cap() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # 50 MB from ~50 KB
    pieces = await _pieces(bomb, "gzip", limit=1_000_000)
    assert sum(len(p) for p in pieces) <= 1_000_001
    assert max(len(p) for p in pieces) <= 64 * 1024


async def test_corrupt_and_unknown_encodings_are_decoding_errors() -> None:
    with pytest.raises(httpx2.DecodingError):
        await _pieces(b"not gzip at all", "gzip", limit=1000)
    with pytest.raises(httpx2.DecodingError):
        await _pieces(b"data", "br-but-not-really", limit=1000)
