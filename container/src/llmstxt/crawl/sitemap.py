"""Sitemap parsing: XML urlsets and indexes, gzip, plain text; safe against bombs and entities."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree  # type: ignore[import-untyped]

GZIP_MAGIC = b"\x1f\x8b"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one file, uncompressed


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One <url> of a sitemap."""

    url: str
    lastmod: str = ""


@dataclass(frozen=True, slots=True)
class ParsedSitemap:
    """A sitemap's page entries and, for an index, its child sitemaps, in document order."""

    entries: tuple[SitemapEntry, ...] = ()
    children: tuple[str, ...] = ()


def parse_sitemap(body: bytes, base_url: str, max_bytes: int = MAX_SITEMAP_BYTES) -> ParsedSitemap:
    """Parse a sitemap body of any common form; never raises, returns what could be read."""
    data = gunzip_capped(body, max_bytes) if body[:2] == GZIP_MAGIC else body[:max_bytes]
    stripped = data.lstrip()
    if not stripped:
        return ParsedSitemap()
    if not stripped.startswith(b"<"):
        return _parse_text(data, base_url)
    return _parse_xml(stripped, base_url)


def gunzip_capped(body: bytes, max_bytes: int) -> bytes:
    """Decompress gzip, stopping at max_bytes of output (a gzip bomb is cut short)."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return decompressor.decompress(body, max_bytes)
    except zlib.error:
        return b""


_PARSER = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)


def _parse_xml(data: bytes, base_url: str) -> ParsedSitemap:
    """<urlset> or <sitemapindex>, with or without the sitemaps.org namespace."""
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return ParsedSitemap()
    if root is None:
        return ParsedSitemap()
    entries: list[SitemapEntry] = []
    children: list[str] = []
    is_index = etree.QName(root).localname == "sitemapindex"
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc, lastmod = _child_text(node, "loc"), _child_text(node, "lastmod")
        if not loc:
            continue
        url = urljoin(base_url, loc)
        if is_index or etree.QName(node).localname == "sitemap":
            children.append(url)
        else:
            entries.append(SitemapEntry(url, lastmod))
    return ParsedSitemap(tuple(entries), tuple(children))


def _child_text(node: etree._Element, name: str) -> str:
    """The stripped text of node's first child with local name `name`."""
    for child in node:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            return "".join(child.itertext()).strip()
    return ""


def _parse_text(data: bytes, base_url: str) -> ParsedSitemap:
    """A plain-text sitemap: one absolute URL per line."""
    lines = data.decode("utf-8", errors="replace").splitlines()
    urls = [line.strip() for line in lines if line.strip().startswith(("http://", "https://"))]
    return ParsedSitemap(tuple(SitemapEntry(urljoin(base_url, u)) for u in urls))


def sitemap_urls_from_robots(robots_txt: str, base_url: str) -> list[str]:
    """The Sitemap: lines of a robots.txt, absolute."""
    found = []
    for line in robots_txt.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            found.append(urljoin(base_url, value.strip()))
    return list(dict.fromkeys(found))
