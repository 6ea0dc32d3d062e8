"""Checking a generation request before it is queued: URL, limits, and the SSRF guard."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx2
from pydantic import BaseModel, ConfigDict, Field

from llmstxt.crawl.guard import AddressGuard
from llmstxt.errors import InputError
from llmstxt.pipeline import check_start_url
from llmstxt.service.jobs import JobRequest
from llmstxt.service.settings import Settings
from llmstxt.store import site_key
from llmstxt.store.base import MIN_INTERVAL_MINUTES


class JobIn(BaseModel):
    """The body of POST /api/v1/jobs and the first WebSocket message (camelCase, as the origin)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    url: str = Field(min_length=1, max_length=2048)
    max_pages: int = Field(default=100, ge=1, alias="maxPages")
    full: bool = True
    enable_auto_update: bool | None = Field(default=None, alias="enableAutoUpdate")
    recrawl_interval_minutes: int | None = Field(
        default=None, ge=MIN_INTERVAL_MINUTES, alias="recrawlIntervalMinutes"
    )
    desc_length: int | None = Field(default=None, ge=0, alias="descLength")  # accepted, unused


async def check_submission(body: JobIn, settings: Settings, links_base: str) -> JobRequest:
    """A JobRequest for a valid body; InputError or BlockedAddress when it is not."""
    url = check_start_url(body.url)
    if body.max_pages > settings.max_pages_limit:
        raise InputError(f"maxPages must be at most {settings.max_pages_limit}")
    await check_address(url, settings)
    return JobRequest(
        url=url,
        site=site_key(url),
        max_pages=body.max_pages,
        full=body.full,
        auto_update=body.enable_auto_update,
        interval_minutes=body.recrawl_interval_minutes,
        links_base=links_base,
    )


async def check_address(url: str, settings: Settings) -> None:
    """Refuse a URL whose host resolves to a non-public address (unless the settings allow it)."""
    if settings.allow_private_networks:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    guard = AddressGuard.from_settings(False, settings.allowed_cidrs)
    try:
        await guard.resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except httpx2.ConnectError as exc:
        raise InputError(f"cannot resolve host {host!r}") from exc
