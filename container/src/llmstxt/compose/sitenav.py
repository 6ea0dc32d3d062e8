"""The navigation a whole site shares, merged from what each page shows (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from urllib.parse import urldefrag, urlsplit

from llmstxt.compose.model import GENERIC_NAV_TITLES, SPLIT_GROUP_AT, _Doc, one_line
from llmstxt.models import NavItem, Page


def _nav_items(page: Page, host: str) -> tuple[NavItem, ...]:
    """The page's nav links on the site's host, fragments dropped, generic labels removed."""
    items = []
    for item in page.nav:
        url = urldefrag(item.url)[0]
        title = one_line(item.title).strip(" »«›‹→←")
        generic = title.casefold() in GENERIC_NAV_TITLES
        if url and title and not generic and urlsplit(url).hostname == host:
            path = tuple(p for p in (one_line(p) for p in item.path) if p)
            items.append(NavItem(title, url, path))
    return tuple(items)


def _skeleton(nav: tuple[NavItem, ...]) -> tuple[str, ...]:
    """The ordered top-level keys of a nav: what two pages' navs share even when branches differ."""
    return tuple(dict.fromkeys(i.path[0] if i.path else i.title for i in nav))


def _site_nav(docs: Sequence[_Doc], home: _Doc | None, host: str) -> list[NavItem]:
    """The nav most pages share (the home page's on a tie), merged with its expanded branches."""
    # Pages share one nav tuple (extraction interns them): clean each distinct nav once.
    cleaned: dict[int, tuple[NavItem, ...]] = {}
    navs = {}
    for d in docs:
        if id(d.page.nav) not in cleaned:
            cleaned[id(d.page.nav)] = _nav_items(d.page, host)
        navs[d.url] = cleaned[id(d.page.nav)]
    navs = _drop_per_page_groups(_drop_per_page_links(navs))
    skeleton_of: dict[int, tuple[str, ...]] = {}
    for n in navs.values():
        if id(n) not in skeleton_of:
            skeleton_of[id(n)] = _skeleton(n)

    def skeleton(nav: tuple[NavItem, ...]) -> tuple[str, ...]:
        return skeleton_of[id(nav)]

    skeletons = Counter(skeleton(n) for n in navs.values() if n)
    home_skeleton = skeleton(navs[home.url]) if home else ()
    best = min(skeletons, key=lambda s: (-skeletons[s], s != home_skeleton, s), default=())
    if skeletons[best] < max(2, 0.3 * len(docs)):
        # No nav is shared by enough pages to be the site's own: trust only the home page's.
        best = home_skeleton
    if len({i.url for n in navs.values() if skeleton(n) == best for i in n}) < 2:
        return []  # one link is not a navigation
    same = [navs[d.url] for d in docs if navs[d.url] and skeleton(navs[d.url]) == best]
    base = navs[home.url] if home and home_skeleton == best else max(same, key=len)
    merged = list(base)
    for nav in dict.fromkeys(same):
        merged = _merge_nav(merged, nav)
    return merged


def _drop_per_page_links(navs: dict[str, tuple[NavItem, ...]]) -> dict[str, tuple[NavItem, ...]]:
    """Navs without top-level labels that point somewhere new on every page ("next", "up")."""
    urls: dict[str, set[str]] = {}
    for nav in navs.values():
        for item in nav:
            if not item.path:
                urls.setdefault(item.title, set()).add(item.url)
    moving = {t for t, u in urls.items() if len(u) >= 3}
    return _filter_navs(navs, lambda i: bool(i.path) or i.title not in moving)


def _drop_per_page_groups(navs: dict[str, tuple[NavItem, ...]]) -> dict[str, tuple[NavItem, ...]]:
    """Navs without groups whose links change on every page ("Previous topic", "This page")."""
    pages: Counter[str] = Counter()
    links: Counter[tuple[str, str]] = Counter()
    for nav in navs.values():
        grouped = {(i.path[0], i.url) for i in nav if i.path}
        pages.update({g for g, _ in grouped})
        links.update(grouped)
    stable = {g for (g, _), n in links.items() if n * 2 >= pages[g]}
    moving = {g for g, n in pages.items() if n >= 3 and g not in stable}
    return _filter_navs(navs, lambda i: not i.path or i.path[0] not in moving)


def _filter_navs(
    navs: dict[str, tuple[NavItem, ...]], keep: Callable[[NavItem], bool]
) -> dict[str, tuple[NavItem, ...]]:
    """Each nav filtered by keep; pages that shared a nav tuple still share the result."""
    done: dict[int, tuple[NavItem, ...]] = {}
    out = {}
    for url, nav in navs.items():
        if id(nav) not in done:
            done[id(nav)] = tuple(i for i in nav if keep(i))
        out[url] = done[id(nav)]
    return out


def _merge_nav(merged: list[NavItem], nav: tuple[NavItem, ...]) -> list[NavItem]:
    """merged with nav's links it lacks, each inserted after the link that precedes it in nav."""
    where = {item.url: i for i, item in enumerate(merged)}
    inserts: dict[int, list[NavItem]] = {}
    anchor = -1
    for item in nav:
        if item.url in where:
            anchor = where[item.url]
        else:
            where[item.url] = anchor
            inserts.setdefault(anchor, []).append(item)
    if not inserts:
        return merged
    out = list(inserts.get(-1, []))
    for i, item in enumerate(merged):
        out.append(item)
        out.extend(inserts.get(i, []))
    return out


def _nav_keys(nav: Sequence[NavItem]) -> list[tuple[str, bool]]:
    """Each nav link's section key and whether it is a real nav group; big groups split in two."""
    sizes = Counter(i.path[0] for i in nav if i.path)
    subs: dict[str, set[str]] = {}
    for i in nav:
        if len(i.path) >= 2:
            subs.setdefault(i.path[0], set()).add(i.path[1])
    split = {g for g, n in sizes.items() if n > SPLIT_GROUP_AT and len(subs.get(g, ())) >= 2}
    keys: list[tuple[str, bool]] = []
    for i in nav:
        if not i.path:
            keys.append((i.title, i.title in sizes))
        elif i.path[0] in split and len(i.path) >= 2:
            keys.append((f"{i.path[0]}: {i.path[1]}", True))
        elif i.path[0] in split and i.title in subs[i.path[0]]:
            keys.append((f"{i.path[0]}: {i.title}", True))
        else:
            keys.append((i.path[0], True))
    return keys
