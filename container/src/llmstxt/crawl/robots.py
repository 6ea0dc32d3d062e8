"""robots.txt as a policy (protego), with the fetch-outcome rules of RFC 9309."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from protego import Protego

MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309 2.5: parsers must read at least 500 KiB
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_AGENT_LINE = re.compile(r"^([ \t]*user[- ]?agent[ \t]*:[ \t]*)([^#\r\n]*)", re.I | re.M)


@dataclass(frozen=True)
class RobotsPolicy:
    """What robots.txt allows one user agent to fetch."""

    parser: Protego | None = None
    user_agent: str = "*"
    everything: bool = True  # the verdict when there is no parser (allow all / disallow all)
    crawl_delay: float | None = None
    sitemaps: tuple[str, ...] = field(default=())

    @classmethod
    def allow_all(cls) -> RobotsPolicy:
        """No robots.txt (4xx): everything is allowed."""
        return cls(everything=True)

    @classmethod
    def disallow_all(cls) -> RobotsPolicy:
        """robots.txt unreachable or 5xx: nothing may be crawled."""
        return cls(everything=False)

    def allowed(self, url: str) -> bool:
        """True when url may be fetched; robots.txt itself always may."""
        if self.parser is None:
            return self.everything
        if urlsplit(url).path == "/robots.txt":
            return True
        return bool(self.parser.can_fetch(url, self.user_agent))


def product_token(user_agent: str) -> str:
    """The product token robots.txt groups match: "llmstxt" from "llmstxt/0.1 (+https://...)"."""
    match = _TOKEN.match(user_agent.strip())
    return match.group(0).lower() if match else "*"


def _exact_groups(text: str, token: str) -> str:
    """Rename every group but ours and "*" so protego matches product tokens exactly.

    protego matches a group name at the start of any word of the agent, so "User-agent: llm"
    would bind "llmstxt"; RFC 9309 2.2.1 compares whole product tokens, case-insensitively.
    """

    def rename(line: re.Match[str]) -> str:
        value = line.group(2).strip()
        name = _TOKEN.match(value)
        if value == "*" or (name and name.group(0).lower() == token):
            return line.group(1) + (value if value == "*" else token)
        return line.group(1) + "~" + (name.group(0) if name else "unnamed")

    return _AGENT_LINE.sub(rename, text)


def robots_url(url: str) -> str:
    """The robots.txt URL that governs url."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def policy_from_response(
    status: int | None,
    body: bytes,
    user_agent: str,
    max_bytes: int = MAX_ROBOTS_BYTES,
    base_url: str = "",
) -> RobotsPolicy:
    """The policy RFC 9309 prescribes for a robots.txt fetch outcome (status None: unreachable).

    base_url (the robots.txt URL) resolves relative Sitemap: lines; without it they are dropped.
    """
    # 429 is a 4xx, but a site that rate-limits the first request asks us to stay away (as Google does)
    if status is None or status >= 500 or status == 429:
        return RobotsPolicy.disallow_all()
    if not 200 <= status < 300:
        return RobotsPolicy.allow_all()
    text = body[:max_bytes].decode("utf-8-sig", errors="replace")
    token = product_token(user_agent)
    parser = Protego.parse(_exact_groups(text, token))
    delay = parser.crawl_delay(token)
    return RobotsPolicy(
        parser=parser,
        user_agent=token,
        crawl_delay=float(delay) if delay else None,
        sitemaps=_absolute(parser.sitemaps, base_url),
    )


def _absolute(urls: Iterable[str], base_url: str) -> tuple[str, ...]:
    """Sitemap URLs made absolute on base_url, http(s) only, first occurrence kept."""
    joined = (urljoin(base_url, u.strip()) if base_url else u.strip() for u in urls)
    return tuple(dict.fromkeys(u for u in joined if u.startswith(("http://", "https://"))))
