"""Plan llms.txt from page records: site name, summary, sections in the site's order (pure)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from llmstxt.compose.model import (
    ACRONYMS,
    GENERAL,
    MAX_DESCRIPTION,
    OPTIONAL,
    OPTIONAL_ANY,
    OPTIONAL_FIRST,
    OPTIONAL_GROUP,
    OPTIONAL_LAST,
    POSTS,
    SEPARATORS,
    VERSION,
    Entry,
    Section,
    SitePlan,
    _Doc,
    _Slot,
    escape_title,
    escape_url,
    one_line,
    same_text,
)
from llmstxt.compose.sitenav import _nav_keys, _site_nav
from llmstxt.crawl.urls import canonicalize, is_folder_index
from llmstxt.models import NavItem, PageRecord


def _segments(url: str) -> tuple[str, ...]:
    """The URL's path segments, with index pages and .html/.htm/.md suffixes dropped."""
    segs = [s for s in urlsplit(url).path.split("/") if s]
    if segs and re.fullmatch(r"index(\.html?|\.md)?", segs[-1]):
        segs.pop()
    if segs:
        segs[-1] = re.sub(r"\.(html?|md)$", "", segs[-1])
    return tuple(segs)


UNLISTED = 1_000_000  # after every page a folder index lists


def _folder_listings(docs: Sequence[_Doc]) -> dict[str, int]:
    """Each page's position among the links of its own folder's index page (a toctree's order)."""
    folders = {_folder(d.url): d for d in docs if is_folder_index(d.url) and d.page.links}
    positions: dict[str, dict[str, int]] = {}
    listed: dict[str, int] = {}
    for doc in docs:
        folder = _folder(doc.url)
        index = folders.get(folder)
        if index is None or index is doc:
            continue
        if folder not in positions:
            positions[folder] = {}
            for i, link in enumerate(index.page.links):
                positions[folder].setdefault(canonicalize(link), i)
        if doc.url in positions[folder]:
            listed[doc.url] = positions[folder][doc.url]
    return listed


def _folder(url: str) -> str:
    """The folder a URL's page sits in: `https://x/a/b.html` and `https://x/a/` -> `https://x/a/`."""
    return url.split("?", 1)[0].rsplit("/", 1)[0] + "/"


def _base_segments(start_url: str) -> tuple[str, ...]:
    """The directory the site lives in, from the start URL (`/3/` for docs.python.org/3/)."""
    path = urlsplit(start_url).path
    return _segments(path if path.endswith("/") else path.rsplit("/", 1)[0] + "/")


def _docs(records: Iterable[PageRecord], start_url: str) -> list[_Doc]:
    """Kept pages, one per link URL and per content hash, sorted by URL."""
    base = _base_segments(start_url)
    by_url: dict[str, _Doc] = {}
    for r in records:
        if not r.kept or r.page is None:
            continue
        segs = _segments(r.url)
        segs = segs[len(base) :] if segs[: len(base)] == base else segs
        doc = _Doc(r.url, r.page.markdown_url or r.url, r.page, r.depth, r.sitemap_order, segs)
        key = escape_url(doc.link)
        by_url[key] = min(by_url.get(key, doc), doc, key=_url_rank)
    by_hash: dict[str, _Doc] = {}
    for doc in by_url.values():
        key = doc.page.content_hash or doc.link
        by_hash[key] = min(by_hash.get(key, doc), doc, key=_url_rank)
    urls = {d.url for d in by_hash.values()}
    kept = [d for d in by_hash.values() if not _canonical_elsewhere(d, urls)]
    return sorted(kept, key=_url_rank)


def _url_rank(doc: _Doc) -> tuple[object, ...]:
    """Shortest, then lexicographically smallest URL first (then the page's fields, for ties)."""
    p = doc.page
    return (
        len(doc.link),
        doc.link,
        doc.url,
        doc.depth,
        p.content_hash,
        p.title,
        p.description,
        p.h1,
        p.og_title,
        p.site_name,
        p.canonical,
        p.nav,
        p.breadcrumbs,
        p.links,
    )


def _canonical_elsewhere(doc: _Doc, urls: set[str]) -> bool:
    """True when the page names another kept page as its canonical URL."""
    canonical = doc.page.canonical
    return bool(canonical) and canonical != doc.url and canonical in urls


def _home(docs: Sequence[_Doc], start_url: str) -> _Doc | None:
    """The page of the start URL, else the shallowest page."""
    want = start_url.rstrip("/")
    for doc in docs:
        if want in (doc.url.rstrip("/"), doc.page.url.rstrip("/")):
            return doc
    roots = [d for d in docs if d.depth == 0]
    return roots[0] if roots else None


def _affix_candidates(title: str) -> set[tuple[str, str]]:
    """Every (side, text) a site-name affix of title could be: text after or before a separator."""
    found: set[tuple[str, str]] = set()
    for sep in SEPARATORS:
        start = title.find(sep)
        while start > 0:
            found.add(("suffix", title[start + len(sep) :].strip()))
            found.add(("prefix", title[:start].strip()))
            start = title.find(sep, start + 1)
    return {(side, text) for side, text in found if text}


def _learn_affixes(docs: Sequence[_Doc], home: _Doc | None) -> list[tuple[str, str]]:
    """The site-name affixes shared by enough titles, the home page's (then most common) first."""
    titles = [one_line(d.page.title) for d in docs if d.page.title.strip()]
    counts = Counter(c for t in titles for c in _affix_candidates(t))
    need = {"suffix": max(2.0, 0.3 * len(titles)), "prefix": max(2.0, 0.5 * len(titles))}
    learned = [c for c, n in counts.items() if n >= need[c[0]]]
    home_title = one_line(home.page.title) if home else ""
    home_has = {c for c in learned if _strip_affixes(home_title, [c]) != home_title}
    learned.sort(key=lambda c: (c not in home_has, -counts[c], c[0] != "suffix", c[1]))
    return learned[:3]


def _strip_affixes(title: str, affixes: Sequence[tuple[str, str]]) -> str:
    """title without any site-name affix (empty when the title is only the site name)."""
    title = one_line(title)
    for side, text in affixes:
        if title == text:
            return ""
        for sep in SEPARATORS:
            if side == "suffix" and title.endswith(sep + text):
                return title[: -len(sep + text)].strip()
            if side == "prefix" and title.startswith(text + sep):
                return title[len(text + sep) :].strip()
    return title


def _site_name(docs: Sequence[_Doc], home: _Doc | None, affixes: Sequence[tuple[str, str]]) -> str:
    """og:site_name when pages agree, else the learned affix, else the home title, else the host."""
    names = Counter(one_line(d.page.site_name) for d in docs if d.page.site_name.strip())
    if names:
        best, n = min(names.items(), key=lambda kv: (-kv[1], kv[0]))
        if n * 2 > sum(names.values()):
            return best
    if affixes:
        return affixes[0][1]
    if home and one_line(home.page.title):
        return one_line(home.page.title)
    return urlsplit(docs[0].url).hostname or "" if docs else ""


def _title(doc: _Doc, affixes: Sequence[tuple[str, str]]) -> str:
    """The page's title without the site name, never empty."""
    names = [text for _, text in affixes] + [one_line(doc.page.site_name)] * bool(
        doc.page.site_name
    )
    strip = [(side, text) for text in names if text for side in ("suffix", "prefix")]
    for raw in (doc.page.title, doc.page.og_title):
        if title := _strip_affixes(raw, strip):
            return title
    for raw in (doc.page.h1, doc.page.title, doc.page.og_title):
        if title := one_line(raw):
            return title
    return _url_title(doc)


def _url_title(doc: _Doc) -> str:
    """A title made from the URL's last path segment (or the host for the home page)."""
    for seg in reversed(doc.segs):
        if title := one_line(_segment_title(seg)):
            return title
    return urlsplit(doc.url).hostname or one_line(doc.url) or "Page"


def _segment_title(seg: str) -> str:
    """`getting-started` -> `Getting started`, `api` -> `API`."""
    words = re.split(r"[-_\s.]+", seg.lower())
    words = [w.upper() if w in ACRONYMS else w for w in words if w] or [seg]
    words = [w[:-1].upper() + "s" if w[:-1] in ACRONYMS and w.endswith("s") else w for w in words]
    return words[0][:1].upper() + " ".join(words)[1:]


def _clean_description(text: str) -> str:
    """One line, at most MAX_DESCRIPTION characters, cut between words."""
    text = one_line(text).lstrip(">#- ")
    if len(text) <= MAX_DESCRIPTION:
        return text
    cut = text[: MAX_DESCRIPTION + 1].rsplit(" ", 1)[0] if " " in text[:MAX_DESCRIPTION] else ""
    return cut.rstrip(" ,;:.-–—") + "…" if cut else ""


def _boilerplate(docs: Sequence[_Doc]) -> set[str]:
    """Descriptions shared by many pages (>= 3 pages or > 30% of them)."""
    counts = Counter(one_line(d.page.description) for d in docs if d.page.description.strip())
    return {t for t, n in counts.items() if n >= 2 and (n >= 3 or n > 0.3 * len(docs))}


def _description(doc: _Doc, title: str, boilerplate: set[str]) -> str:
    """The page's own description, or "" when boilerplate or a repeat of the title."""
    raw = one_line(doc.page.description)
    if raw in boilerplate:
        return ""
    text = _clean_description(raw)
    titles = (title, doc.page.title, doc.page.og_title, doc.page.h1)
    return "" if any(same_text(text, t) for t in titles) else text


def _summary(home: _Doc | None, docs: Sequence[_Doc], name: str) -> str:
    """The home page's description, else a shared description, else a plain one-liner."""
    if home and (text := _clean_description(home.page.description)):
        return text
    shared = Counter(one_line(d.page.description) for d in docs if d.page.description.strip())
    common = [t for t, n in shared.most_common() if n >= 2]
    if common and (text := _clean_description(min(common, key=lambda t: (-shared[t], t)))):
        return text
    host = urlsplit(home.url).hostname if home else ""
    return f"An index of the pages of {name}" + (f" ({host})." if host and host != name else ".")


def _relative(url: str, base: tuple[str, ...]) -> tuple[str, ...]:
    """url's path segments below the base path."""
    segs = _segments(url)
    return segs[len(base) :] if segs[: len(base)] == base else segs


class _Layout:
    """Assigns every page a section from the site nav, its URL prefix or its first path segment."""

    def __init__(
        self, nav: Sequence[NavItem], base: tuple[str, ...], docs: Sequence[_Doc] = ()
    ) -> None:
        self.nav = nav
        self.listed = _folder_listings(docs)
        self.keys = _nav_keys(nav)
        self.at: dict[str, int] = {}
        self.prefixes: dict[tuple[str, ...], list[int]] = {}
        for idx, item in enumerate(nav):
            self.at.setdefault(item.url, idx)
            segs = _relative(item.url, base)
            for n in range(1, len(segs) + 1):
                self.prefixes.setdefault(segs[:n], []).append(idx)

    def slot(self, doc: _Doc) -> _Slot:
        """The section (and place in it) of one page."""
        for url in (doc.url, doc.link, doc.page.url):
            if (idx := self.at.get(url)) is not None:
                return _Slot(self.keys[idx][0], (idx, 0, ""), self.keys[idx][1])
        for n in range(len(doc.segs), 0, -1):
            if cands := self.prefixes.get(doc.segs[:n]):
                keys = Counter(self.keys[i][0] for i in cands)
                key = min(
                    keys, key=lambda k: (-keys[k], min(i for i in cands if self.keys[i][0] == k))
                )
                anchor = max(i for i in cands if self.keys[i][0] == key)
                return _Slot(key, (anchor, 1, doc.link), self.keys[anchor][1])
        folder = is_folder_index(doc.url)
        if len(doc.segs) >= 2 or (folder and doc.segs):
            # A folder's index page first, then its pages in the order the index lists them.
            place = 0 if folder else 1 + self.listed.get(doc.url, UNLISTED)
            return _Slot(_segment_title(doc.segs[0]), (len(self.nav), place, doc.link), False)
        return _Slot(GENERAL, (len(self.nav), 1, doc.link), False)

    def rank(self, key: str, docs: Sequence[_Doc], home_links: Sequence[str]) -> tuple[int, ...]:
        """Where a section goes: nav groups in nav order, then path sections as the home links them."""
        firsts = [i for i, (k, _) in enumerate(self.keys) if k == key]
        if firsts:
            return (1, firsts[0])
        linked = [i for i, title in enumerate(home_links) if title == key]
        depths = [d.depth for d in docs] or [0]
        orders = [d.sitemap_order for d in docs if d.sitemap_order >= 0] or [1 << 30]
        return (2, linked[0] if linked else 1 << 30, min(depths), min(orders), -len(docs))


def _is_optional(doc: _Doc, key: str, version: str) -> bool:
    """True for secondary pages: blog, changelog, legal, about/company, old versions, archives."""
    segs = [s.lower() for s in doc.segs]
    if OPTIONAL_GROUP.search(key):
        return True
    if not segs:
        return False
    if OPTIONAL_FIRST.fullmatch(segs[0]) or OPTIONAL_LAST.fullmatch(segs[-1]):
        return True
    return any(OPTIONAL_ANY.fullmatch(s) or (VERSION.fullmatch(s) and s != version) for s in segs)


def _optional_kind(doc: _Doc, key: str, version: str) -> str:
    """ "posts" for blog and news pages, "secondary" for other Optional pages, else ""."""
    first = doc.segs[0].lower() if doc.segs else ""
    if POSTS.fullmatch(first) or POSTS.fullmatch(key.lower()):
        return "posts"
    return "secondary" if _is_optional(doc, key, version) else ""


def _current_version(docs: Sequence[_Doc]) -> str:
    """The version path segment most pages carry (the current docs), or ""."""
    counts = Counter(s.lower() for d in docs for s in set(d.segs) if VERSION.fullmatch(s.lower()))
    best = min(counts, key=lambda v: (-counts[v], v)) if counts else ""
    # A version only some pages carry (/2.7/ beside unversioned docs) is an old one.
    return best if best and counts[best] * 2 >= len(docs) else ""


def plan_site(records: Iterable[PageRecord], start_url: str) -> SitePlan:
    """What llms.txt will say about the kept records, in the site's own order."""
    docs = _docs(records, start_url)
    home = _home(docs, start_url)
    affixes = _learn_affixes(docs, home)
    name = _site_name(docs, home, affixes) or urlsplit(start_url).hostname or "Site"
    host = urlsplit(start_url).hostname or ""
    nav = _site_nav(docs, home, host)
    base = _base_segments(start_url)
    sections = _sections(docs, home, nav, base, affixes)
    summary = _summary(home, docs, name)
    intro = (
        f"This file lists the pages of {name} ({start_url}) in the sections of the site's own"
        " navigation, each link followed by the page's description when it has one."
    )
    if sections and sections[-1].title == OPTIONAL:
        intro += " Secondary pages (blog posts, release notes, legal and company pages) are under Optional."
    return SitePlan(name, summary, intro, sections)


def _sections(
    docs: Sequence[_Doc],
    home: _Doc | None,
    nav: Sequence[NavItem],
    base: tuple[str, ...],
    affixes: Sequence[tuple[str, str]],
) -> tuple[Section, ...]:
    """The ordered sections: nav groups, path sections, a general section, Optional last."""
    layout = _Layout(nav, base, docs)
    version = _current_version(docs)
    home_links = [_relative(u, base) for u in (home.page.links if home else ())]
    home_titles = [_segment_title(s[0]) for s in home_links if s]
    placed: dict[str, list[tuple[tuple[int, int, str], _Doc]]] = {}
    groups: set[str] = set()
    for doc in docs:
        slot = layout.slot(doc)
        if doc is home and slot.key == GENERAL:
            if nav:
                continue  # the site's nav does not list its home page: the H1 stands for it
            slot = _Slot(GENERAL, (-1, 0, ""), False)
        placed.setdefault(slot.key, []).append((slot.order, doc))
        groups |= {slot.key} if slot.group else set()
    ranks = {k: layout.rank(k, [d for _, d in v], home_titles) for k, v in placed.items()}
    if home is not None and any(d is home for _, d in placed.get(GENERAL, [])):
        ranks[GENERAL] = (0,)
    for key, title in _folder_names(placed, groups, affixes).items():
        placed[title] = placed.pop(key)
        ranks[title] = ranks.pop(key)
    return _finish(placed, groups, ranks, version, docs, affixes)


def _folder_names(
    placed: dict[str, list[tuple[tuple[int, int, str], _Doc]]],
    groups: set[str],
    affixes: Sequence[tuple[str, str]],
) -> dict[str, str]:
    """Path sections named as the site names them: by the title of their folder's index page."""
    names: dict[str, str] = {}
    for key, items in placed.items():
        if key in groups or key == GENERAL:
            continue
        index = next((d for _, d in items if len(d.segs) == 1 and is_folder_index(d.url)), None)
        title = _title(index, affixes) if index else ""
        if title and title not in placed and title not in names.values():
            names[key] = title
    return names


_Placed = tuple[tuple[int, ...], tuple[int, int, str]]


def _finish(
    placed: dict[str, list[tuple[tuple[int, int, str], _Doc]]],
    groups: set[str],
    ranks: dict[str, tuple[int, ...]],
    version: str,
    docs: Sequence[_Doc],
    affixes: Sequence[tuple[str, str]],
) -> tuple[Section, ...]:
    """Optional pages moved out, stray single-link sections folded, sections ordered."""
    optional: list[tuple[_Placed, _Doc]] = []
    sections: dict[str, list[tuple[_Placed, _Doc]]] = {}
    kinds = {doc.link: _optional_kind(doc, k, version) for k, v in placed.items() for _, doc in v}
    # On a site that is mostly a blog the posts are the content, not secondary reading.
    posts_primary = sum(k == "posts" for k in kinds.values()) * 2 > len(kinds)
    for key, items in placed.items():
        for order, doc in items:
            kind = kinds[doc.link]
            secondary = kind == "secondary" or (kind == "posts" and not posts_primary)
            where = optional if secondary else sections.setdefault(key, [])
            where.append(((ranks[key], order), doc))
    for key in [k for k, v in sections.items() if len(v) == 1 and k not in groups]:
        if key != GENERAL:
            sections.setdefault(GENERAL, []).extend(sections.pop(key))
            ranks[GENERAL] = min(ranks.get(GENERAL, ranks[key]), ranks[key])
    sections = {k: v for k, v in sections.items() if v}
    ordered = sorted(sections, key=lambda k: (ranks[k], k))
    boilerplate = _boilerplate(docs)
    out = [_section(k, sections[k], affixes, boilerplate) for k in ordered]
    if optional:
        out.append(_section(OPTIONAL, optional, affixes, boilerplate))
    return _unique_titles(out)


def _unique_titles(sections: Sequence[Section]) -> tuple[Section, ...]:
    """sections with repeated titles numbered, as readers key sections by title."""
    seen: Counter[str] = Counter()
    out = []
    for section in sections:
        seen[section.title] += 1
        n = seen[section.title]
        out.append(Section(f"{section.title} ({n})", section.entries) if n > 1 else section)
    return tuple(out)


def _section(
    title: str,
    items: list[tuple[_Placed, _Doc]],
    affixes: Sequence[tuple[str, str]],
    boilerplate: set[str],
) -> Section:
    """A section of items in their sort order."""
    items = sorted(items, key=lambda item: (item[0], item[1].link))
    entries = [_entry(d, affixes, boilerplate) for _, d in items]
    repeated = {t for t, n in Counter(e.title for e in entries).items() if n > 1}
    for i, (entry, (_, doc)) in enumerate(zip(entries, items, strict=True)):
        if entry.title in repeated and (where := escape_title(_url_title(doc))) != entry.title:
            entries[i] = replace(entry, title=f"{entry.title} ({where})")
    return Section(_heading_text(title), tuple(entries))


def _heading_text(title: str) -> str:
    """A one-line H2 text that Markdown will not shorten (a trailing `#` run closes a heading)."""
    return re.sub(r"(^|\s+)#+$", "", one_line(title)) or GENERAL


def _entry(doc: _Doc, affixes: Sequence[tuple[str, str]], boilerplate: set[str]) -> Entry:
    """The llms.txt line of one page."""
    title = escape_title(_title(doc, affixes))
    return Entry(title, escape_url(doc.link), _description(doc, title, boilerplate))
