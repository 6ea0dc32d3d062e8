"""Serve a directory tree (e.g. Debian's python3.11-doc HTML) on loopback, as a plain web server would.

python -m tests.sites.static DIR --port 8766
"""

from __future__ import annotations

import argparse
import mimetypes
from pathlib import Path

from aiohttp import web

from tests.sites.serve import BackgroundServer, serve_forever

ROOT = Path(__file__).resolve().parents[2]
PYDOC = ROOT / ".cache" / "python3.11-doc" / "usr" / "share" / "doc" / "python3.11" / "html"


def static_app(root: Path) -> web.Application:
    """An app that serves files under root; a directory answers with its index.html."""
    root = root.resolve()

    async def handle(request: web.Request) -> web.StreamResponse:
        """Serve one file, or 404 (never anything outside root)."""
        target = (root / request.path.lstrip("/")).resolve()
        if not target.is_relative_to(root):
            raise web.HTTPNotFound()
        if target.is_dir():
            if not request.path.endswith("/"):
                raise web.HTTPMovedPermanently(request.path + "/")
            target = target / "index.html"
        if not target.is_file():
            raise web.HTTPNotFound()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        body = target.read_bytes()
        charset = "utf-8" if kind.startswith("text/") else None
        return web.Response(body=body, content_type=kind, charset=charset)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    return app


def start_static(root: Path) -> BackgroundServer:
    """Serve root on a free loopback port in a background thread."""
    return BackgroundServer(lambda: static_app(root)).start()


def main(argv: list[str] | None = None) -> None:
    """Serve a directory in the foreground."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path, nargs="?", default=PYDOC)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args(argv)
    serve_forever(static_app(args.root), args.port)


if __name__ == "__main__":
    main()
