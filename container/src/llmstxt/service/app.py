"""The FastAPI app factory: settings, store, job runner, routers, errors, CORS and the web page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from llmstxt import __version__
from llmstxt.service.errors import install_error_handlers
from llmstxt.service.jobs import ClientFactory, JobRunner
from llmstxt.service.limits import BodyLimit
from llmstxt.service.logs import logger, setup_logging
from llmstxt.service.recrawl import Recrawler
from llmstxt.service.routes import auth, health, hosted, internal, jobs, sites, ws
from llmstxt.service.settings import Settings
from llmstxt.store import Store, open_store

STATIC = Path(__file__).resolve().parent / "static"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def build_store(settings: Settings) -> Store:
    """The store the settings name."""
    return open_store(
        settings.store,
        data_dir=settings.data_dir,
        table=settings.table,
        bucket=settings.bucket,
        region=settings.region,
    )


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    client_factory: ClientFactory | None = None,
) -> FastAPI:
    """A new service app; settings from the environment unless given."""
    settings = settings or Settings()
    app = FastAPI(
        title="llmstxt",
        version=__version__,
        summary="Turn any website into a spec-valid llms.txt and llms-full.txt, and keep it current.",
        lifespan=make_lifespan(settings, store, client_factory),
    )
    app.state.settings = settings
    install_error_handlers(app)
    add_middleware(app, settings)
    for module in (health, auth, jobs, sites, hosted, ws, internal):
        app.include_router(module.router)
    add_page(app)
    return app


def make_lifespan(
    settings: Settings, store: Store | None, client_factory: ClientFactory | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's startup and shutdown: open the store and start the runner; stop both."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Open the store and start the runner; stop both on shutdown."""
        setup_logging(settings.log_level)
        app.state.store = store or build_store(settings)
        app.state.runner = JobRunner(app.state.store, settings, client_factory)
        app.state.recrawler = Recrawler(app.state.runner, app.state.store)
        interrupted = await app.state.runner.start()
        logger.info("service started", extra={"store": settings.store, "interrupted": interrupted})
        try:
            yield
        finally:
            await app.state.recrawler.stop()
            await app.state.runner.stop()
            await app.state.store.close()
            logger.info("service stopped")

    return lifespan


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """The body size limit, and CORS for the configured origins only."""
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
            expose_headers=["ETag", "Retry-After"],
        )


def add_page(app: FastAPI) -> None:
    """Serve the web page at / and its files under /static."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        """The web page."""
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)
