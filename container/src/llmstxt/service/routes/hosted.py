"""Hosted outputs: a site's llms.txt and llms-full.txt (current or a given version), cacheable."""

from __future__ import annotations

from email.utils import formatdate

from fastapi import APIRouter, Request, Response

from llmstxt.service.deps import StoreDep
from llmstxt.service.errors import ApiError
from llmstxt.store import OutputName

router = APIRouter(prefix="/sites", tags=["hosted"])

MEDIA_TYPE = "text/markdown; charset=utf-8"
CURRENT_CACHE = "public, max-age=300"
VERSION_CACHE = "public, max-age=31536000, immutable"  # a version's bytes never change


def etag_matches(header: str | None, etag: str) -> bool:
    """True when an If-None-Match header names etag (or is *)."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


async def serve_output(
    request: Request, store: StoreDep, site: str, name: OutputName, version: str | None = None
) -> Response:
    """The file with ETag, Last-Modified and Cache-Control; 304 when the client has it."""
    found = await store.get_output(site, name, version)
    if found is None:
        raise ApiError(
            404, "not_found", f"no {name} for {site!r}" + (f" at {version}" if version else "")
        )
    text, record = found
    sha = record.sha256 if name == "llms.txt" else (record.full_sha256 or record.sha256)
    headers = {
        "ETag": f'"{sha}"',
        "Last-Modified": formatdate(record.created_at, usegmt=True),
        "Cache-Control": VERSION_CACHE if version else CURRENT_CACHE,
        "X-Llmstxt-Version": record.version,
    }
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(text.encode("utf-8"), headers=headers, media_type=MEDIA_TYPE)


@router.get("/{site}/llms.txt", response_class=Response)
async def llms_txt(request: Request, store: StoreDep, site: str) -> Response:
    """The site's current llms.txt."""
    return await serve_output(request, store, site, "llms.txt")


@router.get("/{site}/llms-full.txt", response_class=Response)
async def llms_full_txt(request: Request, store: StoreDep, site: str) -> Response:
    """The site's current llms-full.txt."""
    return await serve_output(request, store, site, "llms-full.txt")


@router.get("/{site}/versions/{version}/llms.txt", response_class=Response)
async def version_llms_txt(request: Request, store: StoreDep, site: str, version: str) -> Response:
    """One version's llms.txt."""
    return await serve_output(request, store, site, "llms.txt", version)


@router.get("/{site}/versions/{version}/llms-full.txt", response_class=Response)
async def version_llms_full_txt(
    request: Request, store: StoreDep, site: str, version: str
) -> Response:
    """One version's llms-full.txt."""
    return await serve_output(request, store, site, "llms-full.txt", version)
