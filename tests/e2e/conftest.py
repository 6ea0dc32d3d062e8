"""E2E fixtures: a loopback site, the real service, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests` is imported as a package from the repository root
    sys.path.insert(0, str(ROOT))

from tests.integration.test_uvicorn_support import ServiceProcess  # noqa: E402
from tests.sites.model import SiteSpec  # noqa: E402
from tests.sites.serve import BackgroundServer  # noqa: E402
from tests.sites.testsite import TestSite  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
E2E_KEY = "e2e-page-key-5c1d"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's package, installed by `make browser-deps`).

    Module scope: Playwright's sync API keeps an event loop running in this thread while it is
    open, which would break every later test that starts its own loop.
    """
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser-deps`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    """A small documentation site on loopback (a little latency, so progress is visible)."""
    with BackgroundServer(TestSite(SiteSpec(pages=30, traps=False, latency_ms=30)).app) as server:
        yield server.base


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """An open service (no keys), as `make serve` runs it."""
    root = tmp_path_factory.mktemp("e2e-open")
    with ServiceProcess(root / "data", root / "service.log") as process:
        yield process


@pytest.fixture(scope="session")
def keyed_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """A service that needs an API key."""
    root = tmp_path_factory.mktemp("e2e-keyed")
    with ServiceProcess(root / "data", root / "service.log", api_keys=E2E_KEY) as process:
        yield process


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page (own context, downloads on)."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
