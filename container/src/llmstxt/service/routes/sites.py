"""Sites: list, read, change limits and auto-update, delete, and their published versions."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from llmstxt.service.deps import Authorized, BaseDep, SettingsDep, StoreDep
from llmstxt.service.errors import ApiError
from llmstxt.service.jobs import hosted_path
from llmstxt.store import SiteRecord, Store, VersionRecord
from llmstxt.store.base import MIN_INTERVAL_MINUTES

router = APIRouter(prefix="/api/v1/sites", tags=["sites"], dependencies=[Authorized])

PUBLIC_FIELDS = (
    "site",
    "base_url",
    "max_pages",
    "full",
    "auto_update",
    "interval_minutes",
    "next_crawl_at",
    "last_crawl_at",
    "last_status",
    "last_error",
    "failures",
    "current_version",
    "page_count",
    "created_at",
    "updated_at",
)


class SitePatch(BaseModel):
    """The changeable settings of a site (camelCase, as the job body)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    max_pages: int | None = Field(default=None, ge=1, alias="maxPages")
    full: bool | None = None
    enable_auto_update: bool | None = Field(default=None, alias="enableAutoUpdate")
    recrawl_interval_minutes: int | None = Field(
        default=None, ge=MIN_INTERVAL_MINUTES, alias="recrawlIntervalMinutes"
    )


def site_view(site: SiteRecord, base: str, secret: bool = False) -> dict[str, Any]:
    """A site as the API shows it; the webhook secret only when asked for one site."""
    view = {name: getattr(site, name) for name in PUBLIC_FIELDS}
    if secret:
        view["webhook_secret"] = site.webhook_secret
    view["links"] = {
        "self": f"{base}/api/v1/sites/{site.site}",
        "versions": f"{base}/api/v1/sites/{site.site}/versions",
    }
    if site.current_version:
        view["links"]["llms_txt"] = base + hosted_path(site.site)
        if site.full:
            view["links"]["llms_full_txt"] = base + hosted_path(site.site, "llms-full.txt")
    return view


def version_view(version: VersionRecord, base: str) -> dict[str, Any]:
    """A published version and the links to its files."""
    root = f"{base}/sites/{version.site}/versions/{version.version}"
    links = {"llms_txt": f"{root}/llms.txt"}
    if version.full_size is not None:
        links["llms_full_txt"] = f"{root}/llms-full.txt"
    return {
        "version": version.version,
        "created_at": version.created_at,
        "sha256": version.sha256,
        "size": version.size,
        "full_size": version.full_size,
        "summary": version.summary,
        "links": links,
    }


async def find_site(store: Store, site: str) -> SiteRecord:
    """The site, or 404."""
    found = await store.get_site(site)
    if found is None:
        raise ApiError(404, "not_found", f"no site {site!r}")
    return found


@router.get("")
async def list_sites(store: StoreDep, base: BaseDep) -> dict[str, Any]:
    """Every site."""
    return {"sites": [site_view(s, base) for s in await store.list_sites()]}


@router.get("/{site}")
async def get_site(site: str, store: StoreDep, base: BaseDep) -> dict[str, Any]:
    """One site, with its webhook secret."""
    return site_view(await find_site(store, site), base, secret=True)


@router.patch("/{site}")
async def patch_site(
    site: str, body: SitePatch, store: StoreDep, settings: SettingsDep, base: BaseDep
) -> dict[str, Any]:
    """Change a site's limits, interval or auto-update; the schedule follows."""
    current = await find_site(store, site)
    if body.max_pages is not None and body.max_pages > settings.max_pages_limit:
        raise ApiError(422, "invalid_input", f"maxPages must be at most {settings.max_pages_limit}")
    fields = schedule_fields(current, body)
    updated = await store.patch_site(site, **fields) if fields else current
    if updated is None:
        raise ApiError(404, "not_found", f"no site {site!r}")
    return site_view(updated, base, secret=True)


def schedule_fields(current: SiteRecord, body: SitePatch) -> dict[str, Any]:
    """The store fields a patch sets, with next_crawl_at moved when the schedule changes."""
    fields: dict[str, Any] = {}
    if body.max_pages is not None:
        fields["max_pages"] = body.max_pages
    if body.full is not None:
        fields["full"] = body.full
    if body.recrawl_interval_minutes is not None:
        fields["interval_minutes"] = body.recrawl_interval_minutes
    if body.enable_auto_update is not None:
        fields["auto_update"] = body.enable_auto_update
    auto = fields.get("auto_update", current.auto_update)
    interval = fields.get("interval_minutes", current.interval_minutes)
    if "auto_update" in fields or "interval_minutes" in fields:
        fields["next_crawl_at"] = time.time() + interval * 60 if auto else None
    return fields


@router.delete("/{site}")
async def delete_site(site: str, store: StoreDep) -> dict[str, Any]:
    """Remove a site with its versions and files."""
    if not await store.delete_site(site):
        raise ApiError(404, "not_found", f"no site {site!r}")
    return {"deleted": site}


@router.get("/{site}/versions")
async def list_versions(site: str, store: StoreDep, base: BaseDep) -> dict[str, Any]:
    """Published versions, newest first."""
    await find_site(store, site)
    return {"versions": [version_view(v, base) for v in await store.list_versions(site)]}
