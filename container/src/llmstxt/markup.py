"""Small pure helpers over HTML text and links, shared by extraction and navigation."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin

from lxml import etree  # type: ignore[import-untyped]

HEADERLINK = re.compile(r"[¶#🔗]\s*$")


def clean(text: str) -> str:
    """Whitespace collapsed to single spaces."""
    return " ".join(text.split())


def visible(el: etree._Element) -> str:
    """el's text without hidden parts (aria-hidden numbers, permalink anchors, icons), collapsed."""
    if len(el) == 0:  # most links and headings: just their text
        return HEADERLINK.sub("", clean(el.text or ""))
    return HEADERLINK.sub("", clean("".join(_visible_parts(el))))


def _visible_parts(el: etree._Element) -> list[str]:
    """The text pieces of el, in order, leaving out hidden descendants."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and not _hidden(child):
            parts.extend(_visible_parts(child))
        parts.append(child.tail or "")
    return parts


def _hidden(el: etree._Element) -> bool:
    """True for markup that is not read as part of a title."""
    if el.tag in ("svg", "script", "style", "button", "input", "template"):
        return True
    return el.get("aria-hidden") == "true" or "headerlink" in (el.get("class") or "")


def absolute(href: str, base: str) -> str:
    """href made absolute on base, without its fragment; "" unless http(s)."""
    href = href.strip()
    if not href or href.startswith("#"):
        return ""
    if href.startswith(("http://", "https://")):
        url = href
    else:
        try:
            url = _join(_join_key(href, base), href)
        except ValueError:
            return ""
    url = url.split("#", 1)[0]
    return url if url.startswith(("http://", "https://")) else ""


def _join_key(href: str, base: str) -> str:
    """The part of base that joining href depends on, so joins repeat across pages of a folder."""
    if href.startswith("/") and not href.startswith("//"):
        return base[: base.find("/", base.find("//") + 2)] + "/" if base.count("/") > 2 else base
    if href[0] in "?;" or "/" not in base[base.find("//") + 2 :]:
        return base
    folder = base.split("?", 1)[0].split("#", 1)[0]
    return folder[: folder.rfind("/") + 1]


@lru_cache(maxsize=16384)
def _join(base: str, href: str) -> str:
    """urljoin, memoised: nav and footer links repeat on every page of a site."""
    return urljoin(base, href)
