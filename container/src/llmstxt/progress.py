"""Progress events and the sink protocol that the CLI, WebSocket, SSE and logs implement."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot of a crawl's counters, with what just happened."""

    phase: str  # "robots" | "sitemaps" | "crawling" | "composing" | "done"
    found: int = 0
    fetched: int = 0
    kept: int = 0
    skipped: int = 0
    errors: int = 0
    max_pages: int = 0
    url: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


class ProgressSink(Protocol):
    """Receives progress; must be cheap and must not raise."""

    def __call__(self, event: Progress) -> None: ...


def null_sink(event: Progress) -> None:
    """A sink that drops every event."""
