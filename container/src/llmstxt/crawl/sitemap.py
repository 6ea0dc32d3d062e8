"""Sitemap parsing: XML urlsets and indexes, RSS/Atom, gzip, plain text; safe against bombs and entities."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urljoin

from lxml import etree  # type: ignore[import-untyped]
from protego import Protego

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one file, uncompressed
_ITEMS = frozenset({"url", "sitemap", "item", "entry"})  # sitemaps.org, RSS 2.0, Atom


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One page of a sitemap, with its <lastmod> as written ("" when absent)."""

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
    data = data.lstrip()
    data = data[len(UTF8_BOM) :].lstrip() if data.startswith(UTF8_BOM) else data
    if not data:
        return ParsedSitemap()
    if not data.startswith(b"<"):
        return _parse_text(data, base_url)
    return _parse_xml(data, base_url)


def gunzip_capped(body: bytes, max_bytes: int) -> bytes:
    """Decompress gzip, stopping at max_bytes of output (a gzip bomb is cut short)."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return decompressor.decompress(body, max_bytes)
    except zlib.error:
        return b""


def _parse_xml(data: bytes, base_url: str) -> ParsedSitemap:
    """<urlset> or <sitemapindex> (any namespace or none), or an RSS/Atom feed."""
    entries: list[SitemapEntry] = []
    children: list[str] = []
    for kind, loc, lastmod in _items(data):
        url = urljoin(base_url, loc)
        if kind == "sitemap":
            children.append(url)
        else:
            entries.append(SitemapEntry(url, lastmod))
    return ParsedSitemap(tuple(entries), tuple(children))


def _items(data: bytes) -> Iterator[tuple[str, str, str]]:
    """(item kind, loc, lastmod) of each item, streamed so a large sitemap never builds a tree."""
    events = etree.iterparse(
        BytesIO(data),
        events=("end",),
        recover=True,  # keep what precedes an error, as browsers and search engines do
        resolve_entities=False,  # no XXE, no billion laughs
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    # The parser closes what a cut-off body left open, so the item it was cut in looks whole
    # while its URL may be cut short ("/docs/ins" of "/docs/install"): hold each item back
    # until the next one, and drop the last one when the body does not end with a tag.
    pending: tuple[str, str, str] | None = None
    try:
        for _, node in events:
            kind = _localname(node)
            if kind not in _ITEMS:
                continue
            if pending:
                yield pending
            pending = _item(kind, node)
            node.clear()
            while node.getprevious() is not None:
                del node.getparent()[0]
    except (etree.XMLSyntaxError, ValueError):
        return
    if pending and data.rstrip().endswith(b">"):
        yield pending


def _item(kind: str, node: etree._Element) -> tuple[str, str, str] | None:
    """(kind, loc, lastmod) of one item, or None when it names no page."""
    loc = _child_text(node, "loc") or _child_text(node, "link") or _atom_href(node)
    if not loc:
        return None
    return kind, loc, _child_text(node, "lastmod") or _child_text(node, "updated")


def _localname(node: etree._Element) -> str:
    """The tag without its namespace ("" for comments and entities)."""
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _child_text(node: etree._Element, name: str) -> str:
    """The stripped text of node's first child with local name `name`."""
    for child in node:
        if _localname(child) == name:
            if any(isinstance(n, etree._Entity) for n in child.iter()):
                return ""  # an entity left unexpanded (XXE or its kin): the value is not a URL
            return "".join(child.itertext()).strip()
    return ""


def _atom_href(node: etree._Element) -> str:
    """An Atom entry's page link: <link href> with rel alternate or no rel."""
    for child in node:
        if _localname(child) == "link" and child.get("rel", "alternate") == "alternate":
            return str(child.get("href", "")).strip()
    return ""


def _parse_text(data: bytes, base_url: str) -> ParsedSitemap:
    """A plain-text sitemap: one absolute URL per line."""
    lines = (line.strip() for line in data.decode("utf-8", errors="replace").splitlines())
    urls = [line for line in lines if line.startswith(("http://", "https://"))]
    return ParsedSitemap(tuple(SitemapEntry(urljoin(base_url, u)) for u in urls))


def sitemap_urls_from_robots(robots_txt: str, base_url: str) -> list[str]:
    """The Sitemap: lines of a robots.txt, absolute, first occurrence kept."""
    found = (urljoin(base_url, u.strip()) for u in Protego.parse(robots_txt).sitemaps)
    return list(dict.fromkeys(u for u in found if u.startswith(("http://", "https://"))))
