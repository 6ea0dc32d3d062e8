"""The baseline: a plain sequential crawler (httpx sync client + BeautifulSoup), as most tools do it."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from bs4 import BeautifulSoup


@dataclass
class BaselineResult:
    """What the baseline crawl did and what it cost."""

    pages: int
    requests: int
    wall_s: float
    cpu_s: float

    @property
    def pages_per_s(self) -> float:
        """Pages fetched per second of wall time."""
        return self.pages / self.wall_s

    @property
    def cpu_ms_per_page(self) -> float:
        """CPU milliseconds per page fetched."""
        return 1000 * self.cpu_s / self.pages


def crawl(start: str, max_pages: int = 1000) -> BaselineResult:
    """Breadth-first, one request at a time; parse each page with BeautifulSoup for title and links."""
    host = urlsplit(start).netloc
    seen, queue = {start}, deque([start])
    pages = requests = 0
    wall, cpu = time.perf_counter(), time.process_time()
    with httpx.Client(timeout=15.0) as client:
        while queue and pages < max_pages:
            url = queue.popleft()
            response = client.get(url)
            requests += 1
            if response.status_code != 200 or "html" not in response.headers.get(
                "content-type", ""
            ):
                continue
            pages += 1
            for link in parse(url, response.text):
                if urlsplit(link).netloc == host and link not in seen:
                    seen.add(link)
                    queue.append(link)
    return BaselineResult(pages, requests, time.perf_counter() - wall, time.process_time() - cpu)


def parse(url: str, html: str) -> list[str]:
    """The page's title, description and text as a typical tool extracts them; return its links."""
    soup = BeautifulSoup(html, "html.parser")
    _ = soup.title.string if soup.title else ""
    _ = soup.find("meta", attrs={"name": "description"})
    _ = soup.get_text(" ", strip=True)
    links = []
    for a in soup.find_all("a", href=True):
        link = urldefrag(urljoin(url, str(a["href"])))[0]
        if link.startswith("http") and link.endswith((".html", "/")):
            links.append(link)
    return links
