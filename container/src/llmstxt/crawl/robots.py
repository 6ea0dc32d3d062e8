"""robots.txt as a policy (protego), with the fetch-outcome rules of RFC 9309."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309 2.5: parsers must read at least 500 KiB


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
    match = re.match(r"[A-Za-z0-9_-]+", user_agent.strip())
    return match.group(0) if match else "*"


def robots_url(url: str) -> str:
    """The robots.txt URL that governs url."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


def policy_from_response(
    status: int | None, body: bytes, user_agent: str, max_bytes: int = MAX_ROBOTS_BYTES
) -> RobotsPolicy:
    """The policy RFC 9309 prescribes for a robots.txt fetch outcome (status None: unreachable)."""
    if status is None or status >= 500:
        return RobotsPolicy.disallow_all()
    if status >= 400:
        return RobotsPolicy.allow_all()
    if not 200 <= status < 300:
        return RobotsPolicy.allow_all()
    text = body[:max_bytes].decode("utf-8", errors="replace")
    parser = Protego.parse(text)
    token = product_token(user_agent)
    delay = parser.crawl_delay(token)
    return RobotsPolicy(
        parser=parser,
        user_agent=token,
        crawl_delay=float(delay) if delay else None,
        sitemaps=tuple(dict.fromkeys(s.strip() for s in parser.sitemaps if s.strip())),
    )
