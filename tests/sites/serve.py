"""Run an aiohttp application on a free 127.0.0.1 port in a background thread with its own loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from types import TracebackType

from aiohttp import web


class BackgroundServer:
    """An aiohttp app on loopback, served from a daemon thread; use as a context manager."""

    def __init__(self, make_app: Callable[[], web.Application], port: int = 0) -> None:
        self._make_app = make_app
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base(self) -> str:
        """The server's root URL, e.g. http://127.0.0.1:43125."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BackgroundServer:
        """Start serving; return once the port is bound."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        """Bind the app inside the server's own loop."""
        # a deep backlog: the benchmark opens dozens of connections at once
        self._runner = web.AppRunner(self._make_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port, backlog=1024)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._runner is not None:
            future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            future.result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    def __enter__(self) -> BackgroundServer:
        return self if self._thread.is_alive() else self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(app: web.Application, port: int) -> None:
    """Serve app in the foreground (for `python -m tests.sites...`), printing the URL once bound."""

    async def announce(app: web.Application) -> None:
        print(f"serving on http://127.0.0.1:{port}", flush=True)

    app.on_startup.append(announce)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None, backlog=1024)
