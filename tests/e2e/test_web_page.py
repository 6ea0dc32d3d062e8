"""The web page in real headless Chromium: generate for a loopback site, watch it, get the result."""

from __future__ import annotations

from pathlib import Path

import httpx2
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import E2E_KEY
from tests.integration.test_uvicorn_support import ServiceProcess


def start(page: Page, url: str, max_pages: int = 30) -> None:
    """Fill the form and submit it from the keyboard."""
    page.fill("#url", url)
    page.fill("#max-pages", str(max_pages))
    page.focus("#url")
    page.keyboard.press("Enter")


def test_generate_watch_progress_and_download(
    page: Page, service: ServiceProcess, site: str, tmp_path: Path
) -> None:
    page.goto(service.base + "/")
    expect(page).to_have_title("llmstxt · generate llms.txt for any site")
    start(page, site + "/")
    expect(page.locator("#progress-panel")).to_be_visible()
    expect(page.locator("#start")).to_be_disabled()
    expect(page.locator("#result-panel")).to_be_visible()
    result = page.input_value("#result")
    assert result.startswith("# Acme Docs\n")
    assert int(page.text_content("#c-kept") or 0) >= 25
    assert int(page.text_content("#c-fetched") or 0) >= 25
    assert page.locator("#log li").count() >= 25
    assert page.eval_on_selector("#bar", "bar => bar.value") == 100
    expect(page.locator("#start")).to_be_enabled()
    expect(page.locator("#error")).to_be_hidden()

    hosted = page.get_attribute("#hosted", "href") or ""
    assert hosted.startswith(service.base + "/sites/127.0.0.1_")
    assert httpx2.get(hosted).text == result

    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename == "llms.txt"
    saved = tmp_path / "llms.txt"
    download.save_as(saved)
    assert saved.read_text(encoding="utf-8") == result


def test_copy_puts_the_result_on_the_clipboard(
    browser: Browser, service: ServiceProcess, site: str
) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=service.base)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(service.base + "/")
        start(page, site + "/", max_pages=5)
        expect(page.locator("#result-panel")).to_be_visible()
        page.click("#copy")
        expect(page.locator("#copied")).to_have_text("Copied.")
        assert page.evaluate("navigator.clipboard.readText()") == page.input_value("#result")
    finally:
        context.close()


def test_errors_are_shown_clearly(page: Page, service: ServiceProcess) -> None:
    page.goto(service.base + "/")
    start(page, "example dot com")
    expect(page.locator("#error")).to_have_text(
        "Enter a full address that starts with http:// or https://"
    )
    expect(page.locator("#progress-panel")).to_be_hidden()
    start(page, "http://169.254.169.254/latest/meta-data/")
    expect(page.locator("#error")).to_contain_text("non-public address")
    expect(page.locator("#result-panel")).to_be_hidden()
    expect(page.locator("#start")).to_be_enabled()


def test_auto_update_enrolls_the_site(page: Page, service: ServiceProcess, site: str) -> None:
    page.goto(service.base + "/")
    expect(page.locator("#interval")).to_be_disabled()
    page.check("#auto-update")
    expect(page.locator("#interval")).to_be_enabled()
    page.fill("#interval", "90")
    start(page, site + "/", max_pages=5)
    expect(page.locator("#result-panel")).to_be_visible()
    site_key = (page.get_attribute("#hosted", "href") or "").split("/sites/")[1].split("/")[0]
    record = httpx2.get(f"{service.base}/api/v1/sites/{site_key}").json()
    assert record["auto_update"] is True and record["interval_minutes"] == 90


def test_the_key_is_exchanged_for_a_token(
    page: Page, keyed_service: ServiceProcess, site: str
) -> None:
    page.goto(keyed_service.base + "/")
    start(page, site + "/", max_pages=5)
    expect(page.locator("#error")).to_contain_text("unauthorized")
    page.click("details summary")
    page.fill("#api-key", E2E_KEY)
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    start(page, site + "/", max_pages=5)
    expect(page.locator("#result-panel")).to_be_visible()
    assert sockets and "token=" in sockets[-1] and E2E_KEY not in sockets[-1]
    assert E2E_KEY not in keyed_service.log()


def test_usable_at_phone_width(browser: Browser, service: ServiceProcess, site: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(service.base + "/")
        start(page, site + "/", max_pages=5)
        expect(page.locator("#result-panel")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        box = page.locator("#download").bounding_box()
        assert box is not None and box["height"] >= 40 and box["x"] + box["width"] <= 360
    finally:
        context.close()
