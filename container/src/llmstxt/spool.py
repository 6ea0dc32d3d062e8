"""A disk spool for page Markdown, so memory stays flat however large the site."""

from __future__ import annotations

import tempfile
from types import TracebackType
from typing import IO


class MarkdownSpool:
    """Append-only store of each page's Markdown in one temporary file, read back by URL."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="llmstxt-md-")  # noqa: SIM115
        self._index: dict[str, tuple[int, int]] = {}

    def put(self, url: str, markdown: str) -> None:
        """Keep url's Markdown (a later put for the same url wins)."""
        data = markdown.encode("utf-8")
        self._file.seek(0, 2)
        self._index[url] = (self._file.tell(), len(data))
        self._file.write(data)

    def get(self, url: str) -> str | None:
        """url's Markdown, or None when none was kept."""
        where = self._index.get(url)
        if where is None:
            return None
        self._file.seek(where[0])
        return self._file.read(where[1]).decode("utf-8")

    def __len__(self) -> int:
        return len(self._index)

    def close(self) -> None:
        """Delete the spool file."""
        self._file.close()

    def __enter__(self) -> MarkdownSpool:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
