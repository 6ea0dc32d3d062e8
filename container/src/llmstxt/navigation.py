"""The site's navigation and breadcrumbs as a page shows them (pure; lxml trees in, records out)."""

from __future__ import annotations

import re
from collections import OrderedDict
from urllib.parse import urlsplit

from lxml import etree  # type: ignore[import-untyped]

from llmstxt.markup import absolute, clean, visible
from llmstxt.models import NavItem

_XP = etree.XPath
# Class tests go through the attribute axis (//@class[...]/..): libxml2 then visits only elements
# that have the attribute, 3-8x faster than //*[contains(@class, ...)] on real pages; same nodes.
_NAV_CANDIDATES = _XP(
    "//nav | //aside | //@role[.='navigation']/.. | //div/@class[contains(., 'sidebar')"
    " or contains(., 'wy-menu') or contains(concat(' ', ., ' '), ' navbar ')]/.."
)
_PAGER = re.compile(
    r"^[«‹<←\s]*(previous|prev|next|edit on \w+|edit this page|view source|search)[»›>→\s]*$", re.I
)
_MDBOOK = _XP("//ol/@class[contains(concat(' ', ., ' '), ' chapter ')]/..")
_MATERIAL = _XP("//nav/@class[contains(concat(' ', ., ' '), ' md-nav--primary ')]/..")
_BREADCRUMBS = _XP(
    "//@class[contains(., 'breadcrumb')]/.. | //@aria-label[contains(., 'readcrumb')]/.."
    " | //@itemtype[contains(., 'BreadcrumbList')]/.."
)
# Sphinx's "related" bar: the trail is its nav-item entries (index/modules/next/previous float right).
_SPHINX_TRAIL = _XP("//div[@class='related'][1]//li[contains(@class, 'nav-item')]")
# Sidebar groups that are page furniture, not the site's structure (Sphinx, MkDocs, Docusaurus).
_NOT_NAV = frozenset(
    {
        "previous topic",
        "next topic",
        "this page",
        "table of contents",
        "on this page",
        "contents",
        "quick search",
        "related topics",
        "search",
    }
)
# Headings that name a whole nav block (Sphinx alabaster's "Navigation" over its toctree), not a group.
_BLOCK_TITLES = frozenset({"navigation", "site navigation", "main navigation", "menu"})
_CAPTION_CLASSES = ("caption", "part-title", "md-nav__title", "sidebar-heading", "menu-label")


def site_nav(root: etree._Element, base: str, url: str) -> tuple[NavItem, ...]:
    """The site's navigation: the top nav, with the sidebar nested under the section it belongs to."""
    known = _mdbook_nav(root, base, url) or _material_nav(root, base, url)
    if known:
        return known  # the generator's own tree holds the whole site
    blocks = _nav_blocks(root, base, url)
    if len(blocks) < 2:
        return blocks[0] if blocks else ()
    primary, secondary = blocks[0], max(blocks[1:], key=len)
    host = host_of(url)
    primary_urls = {i.url for i in primary if host_of(i.url) == host}
    if len(primary_urls & {i.url for i in secondary}) >= 0.8 * len(primary_urls):
        return secondary  # the sidebar is the whole tree (MkDocs, Read the Docs themes)
    owner = _owner(primary, url)
    if owner is None:
        return primary
    nested = tuple(NavItem(i.title, i.url, (owner.title, *i.path)) for i in secondary)
    return primary + tuple(i for i in nested if i.url not in primary_urls)


def _mdbook_nav(root: etree._Element, base: str, url: str) -> tuple[NavItem, ...]:
    """mdBook's sidebar: part titles group chapters; sub-chapters nest under their chapter."""
    found = _MDBOOK(root)
    out: list[NavItem] = []
    if found:
        _walk_chapters(found[0], (), base, url, out)
    return tuple(out)


def _walk_chapters(
    ol: etree._Element, path: tuple[str, ...], base: str, url: str, out: list[NavItem]
) -> None:
    """One mdBook chapter list; a sub-list sits in its own <li> after its chapter's <li>."""
    group, last = path, ""
    for li in ol.iterchildren("li"):
        classes = li.get("class") or ""
        sub = next(li.iterchildren("ol"), None)
        if "part-title" in classes:
            group, last = (*path, visible(li)), ""
        elif sub is not None and "chapter-item" not in classes:
            _walk_chapters(sub, (*group, last) if last else group, base, url, out)
        elif "spacer" not in classes:
            a = next(li.iter("a"), None)
            last = _add_link(a, group, base, url, out) if a is not None else visible(li)


def _material_nav(root: etree._Element, base: str, url: str) -> tuple[NavItem, ...]:
    """MkDocs Material's primary nav: nested sections, without the page's own table of contents."""
    found = _MATERIAL(root)
    out: list[NavItem] = []
    top = next(found[0].iterchildren("ul"), None) if found else None
    if top is not None:
        _walk_material(top, (), base, url, out)
    return tuple(out)


def _walk_material(
    ul: etree._Element, path: tuple[str, ...], base: str, url: str, out: list[NavItem]
) -> None:
    """One md-nav__list: links, and sections (a label or index link over a nested md-nav)."""
    for li in ul.iterchildren("li"):
        # Material 9 puts a section's index link and its toggle label in a div.md-nav__container
        heads = [
            x for c in li if c.tag in ("a", "label", "div") for x in (c if c.tag == "div" else [c])
        ]
        a = next((h for h in heads if h.tag == "a"), None)
        title = _add_link(a, path, base, url, out) if a is not None else ""
        for nav in li.iterchildren("nav"):
            sub = next(nav.iterchildren("ul"), None)
            if sub is None or "md-nav--secondary" in (nav.get("class") or ""):
                continue
            label = title or next((t for h in heads if h.tag == "label" and (t := visible(h))), "")
            _walk_material(sub, (*path, label) if label else path, base, url, out)


def _nav_blocks(root: etree._Element, base: str, url: str) -> list[tuple[NavItem, ...]]:
    """Each outermost nav-like block's links, in document order (footers and breadcrumbs left out)."""
    candidates = _NAV_CANDIDATES(root)
    chosen = set(candidates)
    blocks = []
    for el in candidates:
        if any(a in chosen for a in el.iterancestors()) or _not_nav(el):
            continue  # an outer candidate already covers it, or it is not navigation
        items: list[NavItem] = []
        _walk(el, (), base, url, items)
        unique = tuple(OrderedDict(((i.url, i.path), i) for i in items).values())
        if len(unique) >= 2:
            blocks.append(unique)
    return blocks


def _owner(primary: tuple[NavItem, ...], url: str) -> NavItem | None:
    """The top-nav item whose section holds url: the longest path prefix other than the root."""
    path = urlsplit(url).path
    best: NavItem | None = None
    for item in primary:
        if item.path:
            continue
        folder = urlsplit(item.url).path.rsplit("/", 1)[0] + "/"
        if (
            folder != "/"
            and path.startswith(folder)
            and (best is None or len(folder) > len(best.url))
        ):
            best = item
    return best


def _not_nav(el: etree._Element) -> bool:
    """Footers, breadcrumb trails and Sphinx's prev/next "related" bar are not the site's nav."""
    return _inside_footer(el) or _is_breadcrumb(el) or "related" in (el.get("class") or "").split()


def _inside_footer(el: etree._Element) -> bool:
    """True for a nav inside the page footer (legal links are not the site's structure)."""
    return el.tag == "footer" or any(a.tag == "footer" for a in el.iterancestors())


def _is_breadcrumb(el: etree._Element) -> bool:
    """True for a breadcrumb trail, which says where a page is, not what the site holds."""
    label = (el.get("aria-label") or "").lower()
    return "breadcrumb" in label or "breadcrumb" in (el.get("class") or "").lower()


def _walk(
    el: etree._Element, path: tuple[str, ...], base: str, url: str, out: list[NavItem]
) -> None:
    """Walk a nav block: captions open groups, list items with sub-lists nest their children."""
    current = path
    for child in el:
        if not isinstance(child.tag, str) or child.tag in ("script", "style", "button", "input"):
            continue
        if _is_caption(child):
            label = clean("".join(child.itertext()))
            key = label.lower().rstrip(":")
            if key in _NOT_NAV:
                return  # the rest of this block is page furniture (prev/next, source links)
            current = (*path, label) if label and key not in _BLOCK_TITLES else path
        elif child.tag == "a":
            _add_link(child, current, base, url, out)
        elif child.tag == "li":
            _walk_item(child, current, base, url, out)
        else:
            _walk(child, current, base, url, out)


def _walk_item(
    li: etree._Element, path: tuple[str, ...], base: str, url: str, out: list[NavItem]
) -> None:
    """A list item: its own link (or label), then its sub-list under that title."""
    if "part-title" in (li.get("class") or ""):
        return  # handled as a caption by the caller's next sibling pass
    sublists = [c for c in li if c.tag in ("ul", "ol")]
    head = _head_link(li)
    title = _add_link(head, path, base, url, out) if head is not None else _label(li, sublists)
    for sub in sublists[:1]:
        _walk(sub, (*path, title) if title else path, base, url, out)


def _head_link(li: etree._Element) -> etree._Element | None:
    """The item's own link: the first <a> outside its sub-lists."""
    for child in li:
        if child.tag == "a":
            return child
        if isinstance(child.tag, str) and child.tag not in ("ul", "ol"):
            found = next(child.iter("a"), None)
            if found is not None:
                return found
    return None


def _label(li: etree._Element, sublists: list[etree._Element]) -> str:
    """The text that names a group item without a link (MkDocs section labels)."""
    for child in li:
        if isinstance(child.tag, str) and child not in sublists and child.tag not in ("input",):
            text = clean("".join(child.itertext()))
            if text:
                return text
    return ""


def _add_link(
    a: etree._Element, path: tuple[str, ...], base: str, url: str, out: list[NavItem]
) -> str:
    """Append one nav link (skipping same-page anchors and non-http links); return its title."""
    title = visible(a) or clean(a.get("title") or "")
    rel = a.get("rel")
    if _PAGER.match(title) or (rel and {"prev", "next"} & set(rel.lower().split())):
        return ""  # pager and edit links move between pages; they are not the site's structure
    href = a.get("href") or ""
    target = absolute(href, base) or _current(a, url)
    if "#" in href and any(item.url == target for item in out[-50:]):
        return title  # a section of a page listed just above (toctree-l2 anchors)
    if title and target:
        out.append(NavItem(title, target, path))
    return title


def _current(a: etree._Element, url: str) -> str:
    """url for a nav link to the page itself (href="#" marked current, as Read the Docs themes do)."""
    marked = "current" in (a.get("class") or "") or a.get("aria-current") == "page"
    return url.split("#", 1)[0] if marked and (a.get("href") or "").strip() in ("", "#") else ""


def _is_caption(el: etree._Element) -> bool:
    """True for a heading that names the nav group after it (Sphinx captions, mdBook parts)."""
    if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return True
    classes = el.get("class")
    return (
        bool(classes)
        and el.tag in ("p", "span", "div", "li", "label")
        and any(c in classes for c in _CAPTION_CLASSES)
    )


def breadcrumbs(root: etree._Element) -> tuple[str, ...]:
    """The titles of the page's breadcrumb trail, outermost first."""
    sphinx = [clean("".join(li.itertext())).rstrip("» |") for li in _SPHINX_TRAIL(root)]
    if any(sphinx):
        return tuple(c for c in sphinx if c)
    for el in _BREADCRUMBS(root):
        items = [li for li in el.iter("li") if next(li.iterdescendants("li"), None) is None]
        crumbs = [_crumb(item) for item in items or list(el.iter("a"))]
        crumbs = [c for c in crumbs if c.strip("»/>›|·- ")]
        if crumbs:
            return tuple(crumbs)
    return ()


def _crumb(el: etree._Element) -> str:
    """One breadcrumb's title: its text, else an icon link's label (Read the Docs' home icon)."""
    text = visible(el).strip("»/>›| ")
    if text:
        return text
    a = el if el.tag == "a" else next(el.iter("a"), None)
    return clean((a.get("aria-label") or a.get("title") or "") if a is not None else "")


_INTERNED: OrderedDict[tuple[NavItem, ...], tuple[NavItem, ...]] = OrderedDict()


def intern_nav(nav: tuple[NavItem, ...]) -> tuple[NavItem, ...]:
    """One shared tuple for navs that repeat on every page, so records stay small."""
    found = _INTERNED.get(nav)
    if found is not None:
        _INTERNED.move_to_end(nav)
        return found
    _INTERNED[nav] = nav
    if len(_INTERNED) > 256:
        _INTERNED.popitem(last=False)
    return nav


def host_of(url: str) -> str:
    """The lowercased host of url ("" when it has none)."""
    return (urlsplit(url).hostname or "").lower()
