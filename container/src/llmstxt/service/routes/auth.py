"""POST /auth/token: an API key buys a short-lived token, so a key never sits in a web page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header

from llmstxt.service.auth import key_matches, token_response, unauthorized
from llmstxt.service.deps import SettingsDep

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token")
async def token(
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """A JWT valid for a few minutes, for the X-API-Key given (any caller when no keys are set)."""
    if settings.auth_required and not (x_api_key and key_matches(x_api_key, settings.api_keys)):
        raise unauthorized()
    return token_response(settings)
