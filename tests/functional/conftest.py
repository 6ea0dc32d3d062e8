"""Fixtures for the functional tests: the generated test site and the python3.11-doc tree on loopback."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.sites` is imported as a package from the repository root
    sys.path.insert(0, str(ROOT))

from tests.sites.model import SiteSpec  # noqa: E402
from tests.sites.serve import BackgroundServer  # noqa: E402
from tests.sites.testsite import TestSite  # noqa: E402

# the shared trap site crawl: short per-request timeout so the slow page times out quickly
TRAP_TIMEOUT = 1.0


@dataclass
class Run:
    """One generate() run against a served site."""

    site: TestSite
    base: str
    out: Path
    result: Any  # llmstxt.pipeline.GenerateResult
    hits: int = 0  # requests the server received during the run

    @property
    def llms_txt(self) -> str:
        """The llms.txt text."""
        return str(self.result.llms_txt)

    @property
    def report(self) -> dict[str, Any]:
        """The report as written to report.json."""
        return dict(self.result.report)

    def kept_paths(self) -> set[str]:
        """Paths (with query) of the pages the run kept."""
        return {path_of(r.url) for r in self.result.records if r.kept}


def path_of(url: str) -> str:
    """The path (and query) of url."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def generate_sync(start_url: str, out: Path, **options: Any) -> Any:
    """Run llmstxt.pipeline.generate on start_url with CrawlConfig options; return its result."""
    from llmstxt.config import (
        CrawlConfig,
    )  # imported late: a missing engine fails tests, not collection
    from llmstxt.pipeline import generate

    return asyncio.run(generate(CrawlConfig(start_url=start_url, **options), out))


@pytest.fixture
def serve_site() -> Iterator[Callable[..., tuple[TestSite, str]]]:
    """Start test sites built from SiteSpec keyword arguments; all are stopped afterwards."""
    servers: list[BackgroundServer] = []

    def start(**spec: Any) -> tuple[TestSite, str]:
        site = TestSite(SiteSpec(**spec))
        server = BackgroundServer(site.app).start()
        servers.append(server)
        return site, server.base

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def trap_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The default site with every trap, crawled once for the many assertions on it."""
    site = TestSite(SiteSpec(pages=60, slow_s=3 * TRAP_TIMEOUT))
    with BackgroundServer(site.app) as server:
        out = tmp_path_factory.mktemp("trap_run")
        result = generate_sync(server.base + "/", out, timeout=TRAP_TIMEOUT, concurrency=8)
        yield Run(site, server.base, out, result, site.arrivals)


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the `llmstxt` command in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "llmstxt.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )
