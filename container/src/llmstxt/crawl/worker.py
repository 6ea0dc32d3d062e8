"""Extraction in worker processes: pages go over in batches on a socket pair the event loop reads
and writes itself, and come back as plain tuples, rebuilt on the crawl's side."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import multiprocessing
import os
import pickle
import signal
import socket
from types import TracebackType
from typing import Any

from llmstxt.extract import extract
from llmstxt.models import NavItem, Page

_PackedNav = tuple[tuple[str, str, tuple[str, ...]], ...]


def extract_packed(url: str, body: bytes, charset: str | None, markdown: bool) -> tuple[Any, ...]:
    """extract() for a worker process, as plain tuples: pickling slotted dataclasses one nav item
    at a time cost more than the parse itself."""
    page = extract(url, body, encoding=charset, markdown=markdown)
    nav = tuple((i.title, i.url, i.path) for i in page.nav)
    return tuple(getattr(page, f) if f != "nav" else nav for f in _PAGE_FIELDS)


def unpack_page(packed: tuple[Any, ...], navs: dict[_PackedNav, tuple[NavItem, ...]]) -> Page:
    """The Page a worker packed; pages with the same nav share one tuple of NavItems."""
    fields = dict(zip(_PAGE_FIELDS, packed, strict=True))
    nav = fields["nav"]
    if nav not in navs:
        navs[nav] = tuple(NavItem(t, u, p) for t, u, p in nav)
    fields["nav"] = navs[nav]
    return Page(**fields)


_PAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Page))


def extract_batch(
    jobs: list[tuple[str, bytes, str | None]], markdown: bool
) -> list[tuple[bool, Any]]:
    """extract_packed() for each job, in the worker: (True, packed) or (False, the exception)."""
    results: list[tuple[bool, Any]] = []
    for url, body, charset in jobs:
        try:
            results.append((True, extract_packed(url, body, charset, markdown)))
        except Exception as exc:  # one bad page fails alone, not the pages batched with it
            results.append((False, _portable(exc)))
    return results


def _portable(exc: Exception) -> Exception:
    """exc, or a RuntimeError naming it when it cannot cross to the crawl's process."""
    try:
        pickle.dumps(exc)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class WorkerLost(RuntimeError):
    """The extraction process died (or was stopped) with pages in hand."""


_HEADER = 8  # bytes of big-endian length before each pickled frame


# The crawl's ends of the live workers' socket pairs. A worker forked later inherits them; it
# closes them at once, or an older worker would never see the end of its input.
_CRAWL_ENDS: set[int] = set()


def _serve(sock: socket.socket, crawl_ends: tuple[int, ...]) -> None:
    """The worker process: read a batch, extract it, send the results back; stop at end of input."""
    for fd in crawl_ends:
        if fd != sock.fileno():  # (a stale number may have been reused for our own end)
            with contextlib.suppress(OSError):
                os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle; it closes us
    with sock, sock.makefile("rb") as incoming:
        while len(head := incoming.read(_HEADER)) == _HEADER:
            jobs, markdown = pickle.loads(incoming.read(int.from_bytes(head, "big")))
            out = pickle.dumps(extract_batch(jobs, markdown), pickle.HIGHEST_PROTOCOL)
            sock.sendall(len(out).to_bytes(_HEADER, "big") + out)


class WorkerProcess:
    """One forked extraction process, fed by the event loop over a socket pair.

    No threads in the crawl's process: a ProcessPoolExecutor's two threads took the GIL from the
    event loop at every hand-off. One batch at a time, request then reply, so neither side can
    block the other. A worker that dies fails only the batch it held; the next batch forks anew.
    """

    def __init__(self) -> None:
        self._process: multiprocessing.process.BaseProcess | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._fd = -1

    async def start(self) -> None:
        """Fork the process (every module is already imported: it is ready in milliseconds)."""
        ours, theirs = socket.socketpair()
        _CRAWL_ENDS.add(ours.fileno())
        self._fd = ours.fileno()
        process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(theirs, tuple(_CRAWL_ENDS)), daemon=True, name="llmstxt-extract"
        )
        try:
            process.start()
        finally:
            theirs.close()
        self._process = process
        self._reader, self._writer = await asyncio.open_unix_connection(sock=ours)

    async def run(self, jobs: list[tuple[str, bytes, str | None]], markdown: bool) -> list[Any]:
        """extract_batch(jobs) in the process; WorkerLost when it dies meanwhile."""
        if self._writer is None:
            await self.start()
        assert self._reader is not None and self._writer is not None
        frame = pickle.dumps((jobs, markdown), pickle.HIGHEST_PROTOCOL)
        try:
            self._writer.write(len(frame).to_bytes(_HEADER, "big") + frame)
            await self._writer.drain()
            size = int.from_bytes(await self._reader.readexactly(_HEADER), "big")
            results: list[Any] = pickle.loads(await self._reader.readexactly(size))
        except (OSError, EOFError, asyncio.IncompleteReadError) as exc:
            code = await self.stop()
            raise WorkerLost(f"the extraction process died (exit code {code})") from exc
        except BaseException:
            await self.stop()  # cancelled mid-exchange: the stream is out of step, start afresh
            raise
        return results

    async def stop(self) -> int | None:
        """Close the stream (the process exits at end of input) and reap it; its exit code."""
        process, writer = self._process, self._writer
        self._process = self._reader = self._writer = None
        _CRAWL_ENDS.discard(self._fd)
        if writer is not None:
            with contextlib.suppress(OSError):  # (unless it is gone already)
                writer.write_eof()  # the end of input reaches the process whoever else holds it
            writer.close()
        if process is None:
            return None
        if not await _ended(process, 2.0):  # time to finish the batch in hand and exit
            process.kill()
        process.join(1)
        return process.exitcode

    @property
    def pid(self) -> int | None:
        """The process id while it runs (for tests and logs)."""
        return self._process.pid if self._process is not None else None


async def _ended(process: multiprocessing.process.BaseProcess, seconds: float) -> bool:
    """Wait until process ends (its sentinel becomes readable), at most seconds; True if it did."""
    loop = asyncio.get_running_loop()
    ended = loop.create_future()
    sentinel = process.sentinel

    def readable() -> None:
        loop.remove_reader(sentinel)
        if not ended.done():
            ended.set_result(None)

    loop.add_reader(sentinel, readable)
    try:
        await asyncio.wait_for(ended, seconds)
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(sentinel)
    return True


class Workers:
    """count extraction processes, forked on entry (while robots.txt loads, before any page)."""

    def __init__(self, count: int) -> None:
        self.processes = [WorkerProcess() for _ in range(max(count, 1))]

    async def __aenter__(self) -> Workers:
        for process in self.processes:
            await process.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for process in self.processes:
            await process.stop()


class Batcher:
    """Hands pages to the worker processes in batches.

    Each hand-off costs the event loop more than pickling a page: a write, a wake-up of the worker,
    a read of its reply. So while every worker is busy, pages wait here and go over together: one
    hand-off per batch. An idle worker gets a page at once, so a quiet crawl sees no delay.
    """

    def __init__(self, workers: Workers, markdown: bool, size: int = 32) -> None:
        self.markdown = markdown
        self.size = size  # most pages in one batch
        self.batches = 0  # handed over so far (for the tests)
        self._idle = list(workers.processes)
        self._pending: list[tuple[tuple[str, bytes, str | None], asyncio.Future[Any]]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def extract(self, url: str, body: bytes, charset: str | None) -> tuple[Any, ...]:
        """The packed page (see extract_packed), extracted by a worker process."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append(((url, body, charset), future))
        self._hand_over()
        return await future  # type: ignore[no-any-return]

    def _hand_over(self) -> None:
        """Send what is waiting to each idle worker."""
        while self._pending and self._idle:
            batch, self._pending = self._pending[: self.size], self._pending[self.size :]
            task = asyncio.ensure_future(self._run(self._idle.pop(), batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            self.batches += 1

    async def _run(
        self,
        worker: WorkerProcess,
        batch: list[tuple[tuple[str, bytes, str | None], asyncio.Future[Any]]],
    ) -> None:
        """One batch through one worker; each page's future settles with its own outcome."""
        futures = [future for _, future in batch]
        try:
            results = await worker.run([job for job, _ in batch], self.markdown)
        except BaseException as exc:
            for future in futures:
                if not future.done():
                    future.set_exception(exc if isinstance(exc, Exception) else WorkerLost())
            if not isinstance(exc, Exception):
                raise
        else:
            for future, (ok, value) in zip(futures, results, strict=True):
                if future.done():
                    continue  # its page was cancelled (the crawl stopped)
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        finally:
            self._idle.append(worker)
        self._hand_over()
