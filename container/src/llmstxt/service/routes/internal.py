"""Internal triggers: the cron recrawl (X-Cron-Secret) and a site's signed change webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request

from llmstxt.errors import InputError
from llmstxt.service.auth import check_cron_secret
from llmstxt.service.deps import BaseDep, SettingsDep, StoreDep
from llmstxt.service.errors import ApiError
from llmstxt.service.recrawl import Recrawler
from llmstxt.store import site_key

router = APIRouter(prefix="/internal", tags=["internal"])

SIGNATURE_HEADER = "X-Llmstxt-Signature"  # "sha256=<hex HMAC of the raw body>"


def sign(secret: str, body: bytes) -> str:
    """The signature header value of a webhook body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@router.post("/cron/recrawl", status_code=202)
async def recrawl(
    request: Request,
    settings: SettingsDep,
    base: BaseDep,
    x_cron_secret: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Claim due sites and crawl them in the background; `{claimed, due}` at once."""
    check_cron_secret(x_cron_secret, settings)
    recrawler: Recrawler = request.app.state.recrawler
    return await recrawler.trigger(base)


@router.post("/hooks/site-changed", status_code=202)
async def site_changed(
    request: Request,
    store: StoreDep,
    x_llmstxt_signature: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Mark a site due now, when the body is signed with that site's webhook secret."""
    raw = await request.body()
    try:
        base_url = str(json.loads(raw)["base_url"])
        key = site_key(base_url)
    except (ValueError, KeyError, TypeError, InputError) as exc:
        raise ApiError(422, "invalid_request", 'the body must be {"base_url": "<url>"}') from exc
    site = await store.get_site(key)
    secret = site.webhook_secret if site else None
    given = x_llmstxt_signature or ""
    if not secret or not hmac.compare_digest(given.encode(), sign(secret, raw).encode()):
        raise ApiError(401, "unauthorized", f"a valid {SIGNATURE_HEADER} header is required")
    await store.patch_site(key, next_crawl_at=time.time())
    return {"site": key, "due": True}
