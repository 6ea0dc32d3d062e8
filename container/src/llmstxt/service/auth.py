"""API keys (constant-time), short-lived JWTs for browsers, and the cron secret."""

from __future__ import annotations

import hmac
import time
from typing import Any

import jwt
from starlette.requests import HTTPConnection

from llmstxt.service.errors import ApiError
from llmstxt.service.settings import Settings

ALGORITHM = "HS256"
AUDIENCE = "llmstxt"


def key_matches(given: str, keys: tuple[str, ...]) -> bool:
    """True when given equals one of keys; every key is compared, in constant time."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(given.encode(), key.encode())
    return found


def issue_token(settings: Settings, now: float | None = None) -> tuple[str, int]:
    """A signed token for a browser, and how many seconds it is valid."""
    issued = int(now if now is not None else time.time())
    ttl = settings.token_ttl_seconds
    claims = {"aud": AUDIENCE, "sub": "api-client", "iat": issued, "exp": issued + ttl}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), ALGORITHM), ttl


def token_valid(token: str, settings: Settings) -> bool:
    """True for an unexpired token this service signed."""
    try:
        jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            [ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "iat", "aud"]},  # a token without exp never expires
        )
    except jwt.PyJWTError:
        return False
    return True


def credentials(conn: HTTPConnection) -> tuple[str, str]:
    """The API key and token a request carries, each possibly ''.

    Headers only, except on the WebSocket, where a browser cannot set headers and the query
    (`api_key`, `token`) is read too: a query string ends up in access logs, proxies and history.
    """
    key = conn.headers.get("x-api-key", "")
    bearer = conn.headers.get("authorization", "")
    token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else ""
    if conn.scope["type"] == "websocket":
        key = key or conn.query_params.get("api_key", "")
        token = token or conn.query_params.get("token", "")
    return key, token


def is_authorized(conn: HTTPConnection, settings: Settings) -> bool:
    """True when the service is open or the request carries a valid key or token."""
    if not settings.auth_required:
        return True
    key, token = credentials(conn)
    if key and key_matches(key, settings.api_keys):
        return True
    return bool(token) and token_valid(token, settings)


def unauthorized() -> ApiError:
    """The 401 for a missing or wrong credential."""
    return ApiError(
        401,
        "unauthorized",
        "a valid X-API-Key header or bearer token is required",
        headers={"WWW-Authenticate": 'Bearer realm="llmstxt"'},
    )


def check_cron_secret(given: str | None, settings: Settings) -> None:
    """Raise 401 unless given is the configured cron secret (never open when none is set)."""
    secret = settings.cron_secret.get_secret_value() if settings.cron_secret else ""
    if not secret or not given or not hmac.compare_digest(given.encode(), secret.encode()):
        raise ApiError(401, "unauthorized", "a valid X-Cron-Secret header is required")


def token_response(settings: Settings) -> dict[str, Any]:
    """The body of POST /auth/token."""
    token, ttl = issue_token(settings)
    return {"token": token, "token_type": "bearer", "expires_in": ttl}
