"""The test site's page list: a deterministic documentation site built from a few parameters."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

SITE_NAME = "Acme Docs"
BOILERPLATE = "Acme Docs: the official documentation for the Acme platform."
HOME_DESCRIPTION = "Guides, tutorials and the API reference for Acme, the widget platform."
CHAPTER = 20  # pages per sidebar chapter

VERBS = [
    "Configuring",
    "Deploying",
    "Scaling",
    "Securing",
    "Testing",
    "Monitoring",
    "Migrating",
    "Debugging",
    "Extending",
    "Tuning",
    "Packaging",
    "Observing",
]
NOUNS = [
    "Widgets",
    "Gadgets",
    "Pipelines",
    "Queues",
    "Caches",
    "Workers",
    "Schedules",
    "Plugins",
    "Webhooks",
    "Tokens",
    "Buckets",
    "Streams",
    "Routes",
    "Clusters",
    "Sessions",
]
MODULES = ["core", "io", "net", "auth", "store", "jobs", "cli", "http", "cache", "events"]
CLASSES = [
    "Client",
    "Server",
    "Session",
    "Widget",
    "Pipeline",
    "Queue",
    "Cache",
    "Worker",
    "Token",
    "Bucket",
    "Stream",
    "Router",
]
WORDS = [
    "acme",
    "widget",
    "request",
    "response",
    "cluster",
    "deploy",
    "config",
    "option",
    "value",
    "default",
    "handler",
    "event",
    "queue",
    "worker",
    "retry",
    "limit",
    "timeout",
    "token",
    "scope",
    "policy",
    "cache",
    "stream",
    "route",
    "plugin",
    "schema",
    "version",
    "release",
    "build",
    "service",
    "client",
    "server",
    "module",
    "function",
    "method",
    "returns",
    "raises",
]


@dataclass(frozen=True)
class Section:
    """A top-level section of the site, as its top <nav> lists it."""

    key: str
    title: str
    prefix: str  # path of the section index, e.g. /docs/guide/
    share: float  # fraction of the generated pages


# the top nav order, deliberately not alphabetical
SECTIONS = (
    Section("guide", "Guide", "/docs/guide/", 0.30),
    Section("tutorials", "Tutorials", "/docs/tutorials/", 0.20),
    Section("api", "API Reference", "/docs/api/", 0.30),
    Section("blog", "Blog", "/blog/", 0.15),
    Section("about", "About", "/about/", 0.05),
)


@dataclass
class PageSpec:
    """One HTML page of the site and what a correct crawler must do with it."""

    path: str
    title: str  # without the " | Acme Docs" suffix
    section: str = ""  # Section.key, "" for pages outside the sections
    description: str | None = None  # None: no meta description
    in_sitemap: bool = True
    indexable: bool = True  # False: noindex, disallowed, duplicate, trap... never in llms.txt
    kind: str = "page"  # page | index | home | noindex | x_robots | alias | private | ...
    canonical: str | None = None  # path the page declares as canonical
    same_as: str | None = None  # serves the content of that path
    chapter: int = 0
    revised: bool = False  # changed since the first version: new body, description and dates


@dataclass
class SiteSpec:
    """The parameters a site is generated from."""

    pages: int = 60
    seed: int = 7
    latency_ms: float = 0.0
    traps: bool = True
    robots: str = "normal"  # normal | 404 | 500
    crawl_delay: float | None = None
    slow_s: float = 3.0  # the slow trap answers after this long
    huge_bytes: int = 6 * 1024 * 1024
    busy_times: int = 1  # 429 answers before the busy page succeeds
    changed: int = 0  # pages revised since the first version (see Site.revise)


@dataclass
class Site:
    """Every page of a generated site, by path, in the site's own order."""

    spec: SiteSpec
    pages: dict[str, PageSpec] = field(default_factory=dict)
    sections: dict[str, list[PageSpec]] = field(default_factory=dict)

    def add(self, page: PageSpec) -> PageSpec:
        """Register page (the first registration of a path wins)."""
        self.pages.setdefault(page.path, page)
        if page.section and page.kind in ("page", "index"):
            self.sections.setdefault(page.section, []).append(page)
        return page

    def expected_kept(self, prefix: str = "/", ignore_robots: bool = False) -> set[str]:
        """Paths every correct crawl from prefix must keep (the site's indexable pages in scope)."""
        keep = {p.path for p in self.pages.values() if p.indexable and p.path.startswith(prefix)}
        if ignore_robots:
            keep |= {p.path for p in self.pages.values() if p.kind == "private"}
        return keep

    def never_linked(self) -> set[str]:
        """Paths that must never appear as links in llms.txt."""
        bad = {
            "noindex",
            "x_robots",
            "private",
            "alias",
            "trap",
            "login",
            "search",
            "feed",
            "binary",
        }
        return {p.path for p in self.pages.values() if p.kind in bad}

    def revise(self, count: int) -> list[str]:
        """Revise exactly count pages (and un-revise the rest); their paths, in site order.

        The same count always picks the same pages, spread across the site: ordinary sitemap
        pages with a description of their own, none whose content another page serves. Titles
        stay, so no other page (whose nav lists titles) changes with them.
        """
        targets = {p.same_as for p in self.pages.values() if p.same_as}
        candidates = [
            p
            for p in self.pages.values()
            if p.kind == "page"
            and p.in_sitemap
            and p.description not in (None, BOILERPLATE)
            and p.path not in targets
        ]
        if count > len(candidates):
            raise ValueError(f"only {len(candidates)} pages can be revised")
        chosen = {candidates[k * len(candidates) // count].path for k in range(count)}
        for page in self.pages.values():
            page.revised = page.path in chosen
        return [p for p in self.pages if p in chosen]

    def chapter_heads(self, section: str) -> list[PageSpec]:
        """The first page of each sidebar chapter of a section."""
        pages = [p for p in self.sections.get(section, []) if p.kind == "page"]
        return pages[::CHAPTER]

    def chapter(self, section: str, number: int) -> list[PageSpec]:
        """The pages of one sidebar chapter."""
        pages = [p for p in self.sections.get(section, []) if p.kind == "page"]
        return pages[number * CHAPTER : (number + 1) * CHAPTER]


def slugify(title: str) -> str:
    """A URL slug for a title."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def build_site(spec: SiteSpec) -> Site:
    """Generate the whole page list for spec, deterministically."""
    rng = random.Random(spec.seed)
    site = Site(spec)
    site.add(PageSpec("/", "Welcome", kind="home", description=HOME_DESCRIPTION))
    site.add(PageSpec("/docs/", "Documentation", kind="docs", description=BOILERPLATE))
    counts = _section_counts(max(spec.pages - 2 - len(SECTIONS), len(SECTIONS)))
    for section, count in zip(SECTIONS, counts, strict=True):
        _add_section(site, section, count, rng)
    _add_specials(site)
    if spec.traps:
        _add_traps(site)
    if spec.changed:
        site.revise(spec.changed)
    return site


def _section_counts(total: int) -> list[int]:
    """Split total pages across the sections by their shares (at least one each)."""
    counts = [max(1, int(total * s.share)) for s in SECTIONS]
    counts[0] += total - sum(counts)
    return counts


def _add_section(site: Site, section: Section, count: int, rng: random.Random) -> None:
    """Add a section's index page and count generated pages."""
    site.add(
        PageSpec(section.prefix, section.title, section.key, f"Everything about {section.title}.")
    )
    site.sections[section.key][-1].kind = "index"
    titles = _titles(section.key, count, rng)
    for i, title in enumerate(titles):
        path = _page_path(section, title, i)
        site.add(
            PageSpec(
                path,
                title,
                section.key,
                _description(title, i),
                in_sitemap=i % 10 != 7,  # some pages are only linked, never in the sitemap
                chapter=i // CHAPTER,
            )
        )


def _titles(key: str, count: int, rng: random.Random) -> list[str]:
    """count distinct page titles in the style of a section."""
    if key == "about":
        fixed = ["Team", "Careers", "Privacy Policy", "Terms of Service", "Contact"]
        return [fixed[i] if i < len(fixed) else f"Office {i}" for i in range(count)]
    if key == "api":
        combos = [f"acme.{m}.{c}" for m in MODULES for c in CLASSES]
    elif key == "blog":
        combos = [f"Announcing {n} {v}" for n in NOUNS for v in ("2.0", "3.0", "Beta", "GA")]
    elif key == "tutorials":
        combos = [f"Build a {n[:-1]} {k}" for k in ("Service", "App", "Bot") for n in NOUNS]
    else:
        combos = [f"{v} {n}" for v in VERBS for n in NOUNS]
    rng.shuffle(combos)
    return [
        combos[i % len(combos)] + (f" {i // len(combos) + 1}" if i >= len(combos) else "")
        for i in range(count)
    ]


def _page_path(section: Section, title: str, i: int) -> str:
    """Where a generated page lives."""
    if section.key == "blog":
        return f"/blog/{2020 + i // 48}/{i // 4 % 12 + 1:02d}/{slugify(title)}.html"
    if section.key == "about" and title in ("Privacy Policy", "Terms of Service"):
        return f"/about/legal/{slugify(title)}.html"
    return f"{section.prefix}{slugify(title)}.html"


def _description(title: str, i: int) -> str | None:
    """Most pages have their own description; some none, some share the boilerplate one."""
    if i % 7 == 3:
        return None
    if i % 7 == 5:
        return BOILERPLATE
    return f"How {title} works in Acme, with worked examples and the options that matter most."


def _add_specials(site: Site) -> None:
    """Pages every site has that a crawler must treat specially."""
    first = site.chapter("guide", 0)[0]
    second = site.chapter("guide", 0)[1 % len(site.chapter("guide", 0))]
    for spec in (
        PageSpec(
            "/docs/guide/draft.html",
            "Draft notes",
            "guide",
            kind="noindex",
            indexable=False,
            in_sitemap=False,
        ),
        PageSpec(
            "/docs/guide/internal.html",
            "Internal notes",
            "guide",
            kind="x_robots",
            indexable=False,
            in_sitemap=False,
        ),
        PageSpec(
            "/docs/guide/alias.html",
            first.title,
            "guide",
            first.description,
            False,
            False,
            "alias",
            canonical=first.path,
            same_as=first.path,
        ),
        PageSpec(
            "/docs/guide/copy.html",
            second.title,
            "guide",
            second.description,
            False,
            False,
            "alias",
            same_as=second.path,
        ),
        PageSpec(
            "/private/roadmap.html",
            "Secret roadmap",
            kind="private",
            indexable=False,
            in_sitemap=False,
            description="What comes next.",
        ),
        PageSpec("/login", "Log in", kind="login", indexable=False, in_sitemap=False),
        PageSpec("/search", "Search", kind="search", indexable=False, in_sitemap=False),
        PageSpec("/feed.xml", "Feed", kind="feed", indexable=False, in_sitemap=False),
        PageSpec("/files/manual.pdf", "Manual", kind="binary", indexable=False, in_sitemap=False),
        PageSpec("/images/logo.png", "Logo", kind="binary", indexable=False, in_sitemap=False),
    ):
        site.add(spec)


TRAPS = {
    "/trap/loop-a.html": "redirect_loop",
    "/trap/loop-b.html": "redirect_loop",
    "/trap/huge.html": "huge",
    "/trap/error.html": "error",
    "/docs/api/broken.html": "error",
    "/trap/missing.html": "missing",
    "/trap/slow.html": "slow",
}
BUSY_PATH = "/trap/busy.html"
LATIN1_PATH = "/trap/cafe.html"
LATIN1_TITLE = "Café – Crème Brûlée"  # the en dash is 0x96 in windows-1252, invalid in UTF-8
CALENDAR_PATH = "/calendar"


def _add_traps(site: Site) -> None:
    """The switchable traps: pages that misbehave in the ways real sites do."""
    for path in TRAPS:
        site.add(PageSpec(path, "Trap", kind="trap", indexable=False, in_sitemap=False))
    site.add(
        PageSpec(
            BUSY_PATH,
            "Busy but fine",
            description="Answers 429 first, then the page.",
            in_sitemap=False,
            kind="busy",
        )
    )
    site.add(
        PageSpec(
            LATIN1_PATH,
            LATIN1_TITLE,
            description="A page in windows-1252.",
            in_sitemap=False,
            kind="latin1",
        )
    )
    site.add(
        PageSpec(CALENDAR_PATH, "Calendar", kind="calendar", indexable=False, in_sitemap=False)
    )
