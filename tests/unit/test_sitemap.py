"""Sitemap parsing: every common shape read in order, hostile and broken inputs survived."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from llmstxt.crawl.sitemap import (
    MAX_SITEMAP_BYTES,
    ParsedSitemap,
    SitemapEntry,
    gunzip_capped,
    parse_sitemap,
    sitemap_urls_from_robots,
)

BASE = "https://x.com/sitemap.xml"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

URLSET = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset {NS} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <!-- generated -->
  <url><loc>https://x.com/</loc><lastmod>2024-05-01</lastmod><priority>1.0</priority></url>
  <url>
    <loc>
      https://x.com/docs/intro
    </loc>
    <image:image><image:loc>https://x.com/img.png</image:loc></image:image>
  </url>
  <url><loc>/docs/relative</loc><lastmod> 2024-05-02T10:00:00+00:00 </lastmod></url>
  <url><lastmod>2024-01-01</lastmod></url>
  <url><loc></loc></url>
  <url><loc>https://x.com/a?b=1&amp;c=2</loc></url>
</urlset>
""".encode()

EXPECTED = (
    SitemapEntry("https://x.com/", "2024-05-01"),
    SitemapEntry("https://x.com/docs/intro"),
    SitemapEntry("https://x.com/docs/relative", "2024-05-02T10:00:00+00:00"),
    SitemapEntry("https://x.com/a?b=1&c=2"),
)


def test_urlset_in_document_order() -> None:
    assert parse_sitemap(URLSET, BASE) == ParsedSitemap(EXPECTED, ())


def test_namespace_less_urlset() -> None:
    body = URLSET.replace(NS.encode(), b"")
    assert parse_sitemap(body, BASE).entries == EXPECTED


def test_other_namespace_and_prefix() -> None:
    body = (
        b'<sm:urlset xmlns:sm="http://www.google.com/schemas/sitemap/0.84">'
        b"<sm:url><sm:loc>https://x.com/p</sm:loc></sm:url></sm:urlset>"
    )
    assert parse_sitemap(body, BASE).entries == (SitemapEntry("https://x.com/p"),)


def test_sitemap_index() -> None:
    body = f"""<?xml version="1.0"?>
    <sitemapindex {NS}>
      <sitemap><loc>https://x.com/sitemap-docs.xml</loc><lastmod>2024-01-01</lastmod></sitemap>
      <sitemap><loc> sitemap-blog.xml.gz </loc></sitemap>
      <sitemap><lastmod>2024-01-01</lastmod></sitemap>
    </sitemapindex>""".encode()
    parsed = parse_sitemap(body, "https://x.com/maps/index.xml")
    assert parsed.entries == ()
    assert parsed.children == (
        "https://x.com/sitemap-docs.xml",
        "https://x.com/maps/sitemap-blog.xml.gz",
    )


@pytest.mark.parametrize("level", [1, 9])
def test_gzip_detected_by_magic_bytes(level: int) -> None:
    # .xml.gz served as-is (no Content-Encoding): the body is still gzip
    assert parse_sitemap(gzip.compress(URLSET, compresslevel=level), BASE).entries == EXPECTED


def test_gzip_bomb_is_capped() -> None:
    # 1 GiB of entries when expanded; the parser must stop at the cap and keep the prefix
    head = f"<urlset {NS}>".encode()
    entry = b"<url><loc>https://x.com/p</loc></url>"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunks = [compressor.compress(head)]
    block = entry * (1024 * 1024 // len(entry))
    chunks += [compressor.compress(block) for _ in range(1024)]
    bomb = b"".join(chunks) + compressor.flush()
    assert len(bomb) < 5 * 1024 * 1024
    parsed = parse_sitemap(bomb, BASE, max_bytes=1024 * 1024)
    assert 0 < len(parsed.entries) <= 1024 * 1024 // len(entry)
    assert set(parsed.entries) == {SitemapEntry("https://x.com/p")}


def test_gunzip_capped_limits_output() -> None:
    data = gzip.compress(b"a" * 100_000)
    assert gunzip_capped(data, 1000) == b"a" * 1000
    assert gunzip_capped(data, MAX_SITEMAP_BYTES) == b"a" * 100_000


def test_truncated_and_corrupt_gzip() -> None:
    body = f"<urlset {NS}>".encode() + b"".join(
        b"<url><loc>https://x.com/p%d</loc></url>" % i for i in range(5000)
    )
    whole = gzip.compress(body + b"</urlset>")
    urls = [e.url for e in parse_sitemap(whole[: len(whole) // 2], BASE).entries]
    assert 0 < len(urls) < 5000  # a cut-off download still yields its first pages, in order
    assert urls == [f"https://x.com/p{i}" for i in range(len(urls))]
    assert parse_sitemap(b"\x1f\x8b" + b"\x00" * 50, BASE) == ParsedSitemap()


def test_uncompressed_body_capped() -> None:
    parsed = parse_sitemap(URLSET, BASE, max_bytes=URLSET.index(b"/docs/relative"))
    assert parsed.entries == EXPECTED[:2]


def test_plain_text_sitemap() -> None:
    body = b"https://x.com/a\r\n\n  https://x.com/b  \n# comment\nnot a url\nftp://x.com/f\nhttp://x.com/c\n"
    assert parse_sitemap(body, "https://x.com/sitemap.txt").entries == (
        SitemapEntry("https://x.com/a"),
        SitemapEntry("https://x.com/b"),
        SitemapEntry("http://x.com/c"),
    )


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\n\n  ", b"\xef\xbb\xbf\n"])
def test_byte_order_mark_and_leading_space(prefix: bytes) -> None:
    assert parse_sitemap(prefix + URLSET, BASE).entries == EXPECTED
    text = parse_sitemap(prefix + b"https://x.com/a\n", BASE)
    assert text.entries == (SitemapEntry("https://x.com/a"),)


def test_malformed_xml_recovers_what_precedes_the_error() -> None:
    body = (
        f"<urlset {NS}><url><loc>https://x.com/a</loc></url>"
        "<url><loc>https://x.com/b</loc></url><url><loc>https://x.com/c<"
    ).encode()
    urls = [e.url for e in parse_sitemap(body, BASE).entries]
    assert urls == ["https://x.com/a", "https://x.com/b"]  # the cut-off third is not trusted


def test_missing_closing_root_tag_keeps_every_item() -> None:
    body = (
        f"<urlset {NS}><url><loc>https://x.com/a</loc></url><url><loc>https://x.com/b</loc></url>"
    )
    assert [e.url for e in parse_sitemap(body.encode(), BASE).entries] == [
        "https://x.com/a",
        "https://x.com/b",
    ]


def test_unclosed_tags_and_stray_ampersands() -> None:
    body = (
        b"<urlset><url><loc>https://x.com/a?x=1&y=2</loc><url><loc>https://x.com/b</loc></urlset>"
    )
    urls = [e.url for e in parse_sitemap(body, BASE).entries]
    assert "https://x.com/b" in urls


def test_xxe_external_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = f"""<?xml version="1.0"?>
    <!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>
    <urlset><url><loc>https://x.com/&xxe;</loc></url><url><loc>https://x.com/ok</loc></url></urlset>
    """.encode()
    parsed = parse_sitemap(body, BASE)
    assert parsed.entries == (SitemapEntry("https://x.com/ok"),)
    assert "TOP-SECRET" not in repr(parsed)


def test_parameter_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "evil.dtd"
    secret.write_text('<!ENTITY leak "TOP-SECRET">')
    body = f"""<?xml version="1.0"?>
    <!DOCTYPE urlset [<!ENTITY % ext SYSTEM "file://{secret}"> %ext;]>
    <urlset><url><loc>https://x.com/&leak;</loc></url><url><loc>https://x.com/ok</loc></url></urlset>
    """.encode()
    parsed = parse_sitemap(body, BASE)
    assert "TOP-SECRET" not in repr(parsed)
    assert SitemapEntry("https://x.com/ok") in parsed.entries


def test_billion_laughs_is_not_expanded() -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    body = f"""<?xml version="1.0"?><!DOCTYPE urlset [{entities}]>
    <urlset><url><loc>https://x.com/&lol9;</loc></url><url><loc>https://x.com/ok</loc></url></urlset>
    """.encode()
    parsed = parse_sitemap(body, BASE)
    # libxml2 stops at the amplification; whatever was read, no URL carries a billion lols
    assert all("lollol" not in e.url for e in parsed.entries)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"\x00\x01\x02garbage",
        b"<",
        b"<html><body>Not found</body></html>",
        b"<?xml version='1.0'?>",
        b"\xff\xfe<\x00u\x00",
        b"<urlset><url><loc>https://x.com/\xff\xfe</loc></url></urlset>",
        "<urlset>\u00e9</urlset>".encode("latin-1"),
        b"<" + b"a>" * 10_000,
    ],
)
def test_garbage_never_raises(body: bytes) -> None:
    parsed = parse_sitemap(body, BASE)
    assert isinstance(parsed, ParsedSitemap)
    assert parsed.children == ()


def test_invalid_utf8_in_plain_text() -> None:
    body = b"https://x.com/caf\xe9\nhttps://x.com/ok\n"
    urls = [e.url for e in parse_sitemap(body, BASE).entries]
    assert urls[1] == "https://x.com/ok"
    assert urls[0].startswith("https://x.com/caf")


def test_rss_and_atom_feeds_as_sitemaps() -> None:
    rss = b"""<rss version="2.0"><channel><link>https://x.com/</link>
      <item><title>A</title><link>https://x.com/posts/a</link></item>
      <item><link> /posts/b </link></item></channel></rss>"""
    assert [e.url for e in parse_sitemap(rss, BASE).entries] == [
        "https://x.com/posts/a",
        "https://x.com/posts/b",
    ]
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><link href="https://x.com/"/>
      <entry><link rel="edit" href="https://x.com/edit/1"/><link href="https://x.com/posts/1"/>
      <updated>2024-03-01T00:00:00Z</updated></entry></feed>"""
    assert parse_sitemap(atom, BASE).entries == (
        SitemapEntry("https://x.com/posts/1", "2024-03-01T00:00:00Z"),
    )


def test_large_sitemap_is_read_whole() -> None:
    n = 50_000  # the sitemaps.org per-file maximum
    body = (
        f"<urlset {NS}>".encode()
        + b"".join(
            b"<url><loc>https://x.com/p%d</loc><lastmod>2024-01-01</lastmod></url>" % i
            for i in range(n)
        )
        + b"</urlset>"
    )
    entries = parse_sitemap(body, BASE).entries
    assert len(entries) == n
    assert entries[0].url == "https://x.com/p0"
    assert entries[-1] == SitemapEntry(f"https://x.com/p{n - 1}", "2024-01-01")


def test_deeply_nested_document_is_refused_quietly() -> None:
    body = (
        f"<urlset {NS}>".encode() + b"<x>" * 100_000 + b"<url><loc>https://x.com/deep</loc></url>"
    )
    assert SitemapEntry("https://x.com/deep") not in parse_sitemap(body, BASE).entries


def test_sitemap_urls_from_robots() -> None:
    robots = (
        "User-agent: *\nDisallow: /private\n"
        "Sitemap: https://x.com/sitemap.xml\n"
        "sitemap:/docs/sitemap.xml # relative\n"
        "SITEMAP: https://x.com/sitemap.xml\n"
        "Sitemap: mailto:x@x.com\n"
    )
    assert sitemap_urls_from_robots(robots, "https://x.com/robots.txt") == [
        "https://x.com/sitemap.xml",
        "https://x.com/docs/sitemap.xml",
    ]


def test_no_sitemap_lines() -> None:
    assert sitemap_urls_from_robots("User-agent: *\nDisallow:\n", "https://x.com/robots.txt") == []
