"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from llmstxt.errors import StoreError
from llmstxt.service.deps import StoreDep
from llmstxt.service.errors import ApiError

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, Any]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/health/ready")
async def ready(store: StoreDep) -> dict[str, Any]:
    """The store answers too."""
    try:
        await store.ping()
    except StoreError as exc:
        raise ApiError(503, "store_unavailable", f"the store does not answer: {exc}") from exc
    return {"status": "ready"}
