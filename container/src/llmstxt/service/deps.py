"""FastAPI dependencies and their `Annotated` aliases: settings, store, runner, auth."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from llmstxt.service.auth import is_authorized, unauthorized
from llmstxt.service.jobs import JobRunner
from llmstxt.service.settings import Settings
from llmstxt.store import Store


def get_settings(conn: HTTPConnection) -> Settings:
    """The app's settings."""
    settings: Settings = conn.app.state.settings
    return settings


def get_store(conn: HTTPConnection) -> Store:
    """The app's store."""
    store: Store = conn.app.state.store
    return store


def get_runner(conn: HTTPConnection) -> JobRunner:
    """The app's job runner."""
    runner: JobRunner = conn.app.state.runner
    return runner


def require_auth(request: Request) -> None:
    """Refuse a request without a valid API key or token (when keys are configured)."""
    if not is_authorized(request, get_settings(request)):
        raise unauthorized()


def links_base(request: Request) -> str:
    """The base URL links point at: the configured public URL, or this request's own base."""
    configured = get_settings(request).public_url.rstrip("/")
    return configured or str(request.base_url).rstrip("/")


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]
BaseDep = Annotated[str, Depends(links_base)]
Authorized = Depends(require_auth)
