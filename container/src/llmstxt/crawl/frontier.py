"""The frontier: a breadth-first priority queue of URLs with a seen-set and the trap limits."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass, field

from llmstxt.crawl.urls import query_key

# Links found on pages go before sitemap entries of the same depth: the site's own links carry its order.
FROM_LINK, FROM_SITEMAP = 0, 1


@dataclass(order=True, slots=True)
class Item:
    """A URL waiting to be fetched, ordered by (depth, source, arrival)."""

    priority: tuple[int, int, int]
    url: str = field(compare=False)
    depth: int = field(compare=False)
    lastmod: str = field(default="", compare=False)
    sitemap_order: int = field(default=-1, compare=False)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A URL the frontier will not fetch, and why (for the report)."""

    url: str
    depth: int
    reason: str


class Frontier:
    """Admits each URL once, within depth, query-variant and size limits; hands them out by depth."""

    def __init__(self, max_pages: int, max_depth: int, max_query_variants: int) -> None:
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.max_query_variants = max_query_variants
        self.queue: asyncio.PriorityQueue[Item] = asyncio.PriorityQueue()
        self.seen: set[str] = set()
        self.refused: list[Refusal] = []
        self.handed_out = 0
        self._queries: Counter[str] = Counter()
        self._arrival = itertools.count()
        # A bounded queue keeps memory flat on sites whose sitemaps list far more than we will fetch.
        self._room = max(10 * max_pages, 1000)

    def add(
        self,
        url: str,
        depth: int,
        source: int = FROM_LINK,
        lastmod: str = "",
        sitemap_order: int = -1,
    ) -> bool:
        """Queue url unless seen or over a limit; return True when it was queued."""
        if url in self.seen:
            return False
        self.seen.add(url)
        reason = self._limit(url, depth)
        if reason:
            self.refused.append(Refusal(url, depth, reason))
            return False
        item = Item((depth, source, next(self._arrival)), url, depth, lastmod, sitemap_order)
        self.queue.put_nowait(item)
        return True

    def refuse(self, url: str, depth: int, reason: str) -> None:
        """Record a URL that a policy (scope, robots) refused, once."""
        if url not in self.seen:
            self.seen.add(url)
            self.refused.append(Refusal(url, depth, reason))

    def _limit(self, url: str, depth: int) -> str:
        """The trap limit url hits, or "" when it may be fetched."""
        if depth > self.max_depth:
            return "max_depth"
        if self.queue.qsize() >= self._room:
            return "max_pages"
        if "?" in url:
            key = query_key(url)
            self._queries[key] += 1
            if self._queries[key] > self.max_query_variants:
                return "query_explosion"
        return ""

    def next_allowed(self, item: Item) -> bool:
        """Count item against max_pages when it is taken; False once the budget is spent."""
        if self.handed_out >= self.max_pages:
            self.refused.append(Refusal(item.url, item.depth, "max_pages"))
            return False
        self.handed_out += 1
        return True
