"""Run the service under uvicorn (`llmstxt serve`, `make serve`)."""

from __future__ import annotations

import argparse

import uvicorn


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the app factory on host:port until interrupted."""
    uvicorn.run(
        "llmstxt.service.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,  # the app sends uvicorn's lines through its JSON logger
        proxy_headers=True,
        ws_ping_interval=15.0,  # below the ALB's idle timeout, and the 20 s
        ws_max_size=64 * 1024,
        timeout_graceful_shutdown=10,
    )


def main(argv: list[str] | None = None) -> None:
    """`python -m llmstxt.service.main [--host H] [--port P]`."""
    parser = argparse.ArgumentParser(description="Run the llmstxt service.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
