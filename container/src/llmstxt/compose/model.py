"""The plan compose builds (sections of entries) and the escaping every output shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from w3lib.url import safe_url_string

from llmstxt.models import Page

SEPARATORS = (" | ", " — ", " – ", " - ", " · ", ": ")
MAX_DESCRIPTION = 300
SPLIT_GROUP_AT = 25  # a nav group with more links than this is split into its sub-groups
GENERAL = "Pages"
OPTIONAL = "Optional"
GENERIC_NAV_TITLES = frozenset(
    {"next", "previous", "prev", "next page", "previous page", "index", "modules", "«", "»"}
    | {"skip to content", "skip to main content", "back to top", "edit this page", "edit on github"}
)
ACRONYMS = frozenset(
    {"api", "apis", "faq", "faqs", "cli", "sdk", "sdks", "http", "ui", "ux", "rest", "json", "xml"}
    | {"html", "css", "js", "url", "io", "ai", "ml", "llm", "aws", "gpu", "cpu", "sql", "os", "id"}
)
OPTIONAL_FIRST = re.compile(
    r"(blog|news|posts?|changelog|changes|release[-_]?notes|releases|whats[-_]?new|legal|privacy"
    r"|terms|tos|cookies?|licen[cs]e|copyright|about|about[-_]us|careers?|jobs|company|press"
    r"|contact|contact[-_]us|imprint|impressum|archives?|legacy|old[-_]versions?)([-_].*)?"
)
OPTIONAL_LAST = re.compile(
    r"(changelog|release[-_]?notes|whats[-_]?new|privacy([-_]policy)?|terms([-_]of[-_](service|use))?"
    r"|cookies?([-_]policy)?|licen[cs]e|copyright|about|about[-_].*|careers|contact|imprint|legal"
    r"|genindex([-_].*)?|(py-?)?modindex|sitemap)"  # generated index pages (Sphinx) are lookups
)
OPTIONAL_ANY = re.compile(r"blog|news|changelog|whatsnew|release[-_]notes|archives?")
VERSION = re.compile(r"v\d+(\.\d+)*|\d+\.\d+(\.\d+)*")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*")
SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*")
POSTS = re.compile(r"blog|news|posts?|articles")
OPTIONAL_GROUP = re.compile(
    r"\b(blog|news|changelog|change log|release notes|releases|what'?s new|legal|about|company"
    r"|careers|jobs|press|contact|archives?|optional)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Entry:
    """One link line of llms.txt: `- [title](url): description`."""

    title: str
    url: str
    description: str


@dataclass(frozen=True)
class Section:
    """One `## title` section and its links, in order."""

    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class SitePlan:
    """What llms.txt says: H1 name, summary, intro paragraph and sections ("Optional" last)."""

    name: str
    summary: str
    intro: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class _Doc:
    """A kept page with what compose derives from its URL."""

    url: str
    link: str
    page: Page
    depth: int
    sitemap_order: int
    segs: tuple[str, ...]  # path segments below the site's base path


@dataclass(frozen=True)
class _Slot:
    """Where a page lands: its section key and its sort key inside the section."""

    key: str
    order: tuple[int, int, str]
    group: bool  # the section is a real nav group (never folded)


def one_line(text: str) -> str:
    """text with every run of whitespace (newlines included) collapsed to one space."""
    return " ".join(text.split())


def escape_title(title: str) -> str:
    """A link title safe for Markdown and for the reference parser (which cannot read `\\]`)."""
    return one_line(title).replace("\\", "\\\\").replace("[", "(").replace("]", ")")


@lru_cache(maxsize=16384)  # each page's URL is escaped twice (dedup key, then its entry)
def escape_url(url: str) -> str:
    """A URL safe inside `(...)`: percent-encoded, parentheses as %28/%29."""
    safe = safe_url_string(one_line(url).replace(" ", "%20"))
    return safe.replace("(", "%28").replace(")", "%29")


def same_text(a: str, b: str) -> bool:
    """True when two strings say the same words, ignoring case and punctuation."""
    return re.sub(r"\W+", "", a.casefold()) == re.sub(r"\W+", "", b.casefold())
