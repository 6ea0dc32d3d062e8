"""URL policy: the canonical form of a URL (w3lib) and the crawl's scope (site, prefix, globs, traps)."""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

TRACKING_PARAMS = frozenset(
    {
        "gclid",
        "dclid",
        "fbclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "spm",
    }
)
NON_HTML_EXT = frozenset(
    [
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "svg",
        "ico",
        "bmp",
        "tif",
        "tiff",
        "avif",
        "css",
        "js",
        "mjs",
        "map",
        "json",
        "xml",
        "txt",
        "csv",
        "tsv",
        "zip",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "7z",
        "rar",
        "tar",
        "mp3",
        "mp4",
        "m4a",
        "m4v",
        "webm",
        "ogg",
        "ogv",
        "wav",
        "flac",
        "mov",
        "avi",
        "mkv",
        "woff",
        "woff2",
        "ttf",
        "otf",
        "eot",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "odt",
        "ods",
        "odp",
        "epub",
        "exe",
        "dmg",
        "msi",
        "deb",
        "rpm",
        "apk",
        "iso",
        "bin",
        "img",
        "wasm",
        "rss",
        "atom",
        "ics",
    ]
)
_FEED = re.compile(r"/(feed|rss|atom)(/|\.xml)?$|\.(rss|atom)$", re.I)
# Sign-in words: a page is a sign-in page when the word opens the path (/login, /en/signin)
# or follows account folders (/users/sign_in); deeper down (/docs/api/login) it is documentation.
_AUTH_WORD = re.compile(
    r"(log[-_]?in|log[-_]?out|sign[-_]?in|sign[-_]?out|sign[-_]?up|register|registration|"
    r"password|password[-_]?reset|reset[-_]?password|forgot[-_]?password|lost[-_]?password|"
    r"oauth|sso|auth)(\.(php|aspx?|html?|jsp))?",
    re.I,
)
_ACCOUNT_DIRS = frozenset(
    {
        "account",
        "accounts",
        "user",
        "users",
        "auth",
        "member",
        "members",
        "my",
        "session",
        "sessions",
    }
)
_WP_AUTH = frozenset({"wp-admin", "wp-login.php"})
_SEARCH_LEAF = re.compile(r"search(\.(html?|php|aspx?))?", re.I)
_LOCALE_OR_VERSION = re.compile(r"[a-z]{2}([-_][a-z]{2,4})?|v?\d+(\.\d+)*|latest|stable|dev")
_SEARCH_PARAMS = frozenset({"q", "s", "search", "query"})
_FEED_PARAMS = frozenset({"feed"})


@lru_cache(maxsize=65536)
def canonicalize(url: str, base: str | None = None) -> str:
    """The canonical absolute http(s) form of url, or "" when it is not a crawlable URL."""
    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(absolute)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return ""
        host = parts.hostname.rstrip(".")
        host = f"[{host}]" if ":" in host else host
        port = _port(scheme, parts.port)
        # userinfo is dropped: a page never needs it, and it hides the real host from readers
        netloc = f"{host}:{port}" if port else host
        cleaned = urlunsplit((scheme, netloc, parts.path or "/", _strip_tracking(parts.query), ""))
        # w3lib sorts the query, resolves dot segments and normalises percent-encoding
        return canonicalize_url(safe_url_string(cleaned), keep_blank_values=True)
    except (ValueError, UnicodeError):
        return ""


def _strip_tracking(query: str) -> str:
    """The query without analytics parameters; other pairs stay byte for byte (no re-encoding)."""
    pairs = [p for p in query.split("&") if p]
    return "&".join(p for p in pairs if not _tracking(unquote_plus(p.partition("=")[0])))


def _tracking(key: str) -> bool:
    """True for analytics parameters that never change what a page says."""
    return key.lower().startswith("utm_") or key.lower() in TRACKING_PARAMS


def site_host(host: str) -> str:
    """One site's host whatever the www. prefix: "www.Example.com" -> "example.com"."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def query_key(url: str) -> str:
    """The URL without its query: the frontier counts distinct queries per key."""
    return url.split("?", 1)[0]


def has_obvious_non_html_ext(url: str) -> bool:
    """True when the path ends in an extension that is never an HTML page."""
    path = urlsplit(url).path
    leaf = path.rsplit("/", 1)[-1]
    return "." in leaf and leaf.rsplit(".", 1)[-1].lower() in NON_HTML_EXT


@dataclass(frozen=True, slots=True)
class Scope:
    """Which URLs belong to the crawl: the start URL's site, its path prefix, and the globs."""

    origin: str
    prefix: str = "/"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_url_length: int = 2048
    max_repeated_segments: int = 2

    @classmethod
    def from_start(
        cls,
        start_url: str,
        include: tuple[str, ...] | list[str] = (),
        exclude: tuple[str, ...] | list[str] = (),
        max_url_length: int = 2048,
        max_repeated_segments: int = 2,
    ) -> Scope:
        """The scope of a crawl that starts at start_url."""
        parts = urlsplit(canonicalize(start_url) or start_url)
        path = parts.path or "/"
        prefix = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
        return cls(
            f"{parts.scheme}://{parts.netloc}",
            prefix,
            tuple(include),
            tuple(exclude),
            max_url_length,
            max_repeated_segments,
        )

    @property
    def _site(self) -> tuple[str, str]:
        """(site host without www., port) of the origin."""
        return _site_of(self.origin)

    def to_site(self, url: str) -> str:
        """Map http/https and www./bare variants of this site onto the origin; others unchanged."""
        try:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return url
            same = (site_host(parts.hostname), _port(parts.scheme, parts.port)) == self._site
        except ValueError:
            return url
        if not same or url.startswith(self.origin + "/"):
            return url
        return self.origin + urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))

    def reason(self, url: str) -> str:
        """ "" when the canonical url is in scope, else why not (the report's skip reason)."""
        url = self.to_site(url)
        if not url.startswith(self.origin + "/"):
            return "off_site"
        if len(url) > self.max_url_length:
            return "too_long"
        parts = urlsplit(url)
        path = parts.path or "/"
        target = path + ("?" + parts.query if parts.query else "")
        return (
            self._prefix_reason(path)
            or self._glob_reason(target)
            or _content_reason(url, path, parts.query)
            or self._trap_reason(path)
        )

    def _prefix_reason(self, path: str) -> str:
        """Out of the start URL's folder (its index page itself stays in)."""
        if path.startswith(self.prefix) or path + "/" == self.prefix:
            return ""
        return "out_of_prefix"

    def _glob_reason(self, target: str) -> str:
        """--exclude wins over --include; with includes given, one must match."""
        if any(fnmatch.fnmatchcase(target, g) for g in self.exclude):
            return "excluded"
        if self.include and not any(fnmatch.fnmatchcase(target, g) for g in self.include):
            return "not_included"
        return ""

    def _trap_reason(self, path: str) -> str:
        """A path whose segments repeat is a relative-link trap (/a/b/a/b/a/b/)."""
        segments = [s for s in path.split("/") if s]
        if segments and max(Counter(segments).values()) > self.max_repeated_segments:
            return "repeated_segments"
        return ""


def _content_reason(url: str, path: str, query: str) -> str:
    """Non-HTML files, feeds, sign-in and search pages: never worth a request."""
    if has_obvious_non_html_ext(url):
        return "feed" if _FEED.search(path) else "not_html"
    keys = {unquote_plus(k).lower() for k, _, _ in (p.partition("=") for p in query.split("&"))}
    segments = [s.lower() for s in path.split("/") if s]
    if _FEED.search(path) or "feed" in keys:
        return "feed"
    if _is_auth(segments):
        return "auth"
    if _is_search(segments) or keys & _SEARCH_PARAMS:
        return "search"
    return ""


def _is_auth(segments: list[str]) -> bool:
    """A sign-in, sign-up or password page (WordPress admin anywhere)."""
    if _WP_AUTH.intersection(segments):
        return True
    for seg in segments:
        if _AUTH_WORD.fullmatch(seg):
            return True
        if seg not in _ACCOUNT_DIRS and not _LOCALE_OR_VERSION.fullmatch(seg):
            return False
    return False


def _is_search(segments: list[str]) -> bool:
    """A site-search page: /search, /en/search/, /3/search.html (Sphinx), never /api/search."""
    if not segments:
        return False
    if segments[-1] in ("search.html", "search.htm", "search.php") or _SEARCH_LEAF.fullmatch(
        segments[0]
    ):
        return True
    return (
        len(segments) == 2
        and bool(_LOCALE_OR_VERSION.fullmatch(segments[0]))
        and bool(_SEARCH_LEAF.fullmatch(segments[1]))
    )


@lru_cache(maxsize=64)
def _site_of(origin: str) -> tuple[str, str]:
    """(site host without www., port) of an origin; a scope asks this for every link."""
    parts = urlsplit(origin)
    return site_host(parts.hostname or ""), _port(parts.scheme, parts.port)


def _port(scheme: str, port: int | None) -> str:
    """The explicit port, or "" for the default one; http and https of one host are one site."""
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return ""
    return str(port)


_FOLDER_INDEX = re.compile(r"/(index(\.html?|\.md)?)?$")


def is_folder_index(url: str) -> bool:
    """True for a folder's own page: `/guide/` or `/guide/index.html` (its links list the folder)."""
    return bool(_FOLDER_INDEX.search(url.split("?", 1)[0].split("#", 1)[0]))
