"""WebSocket /ws/crawl: the origin project's protocol (log, progress, result, url, error messages).

/ws/jobs/{id} follows a job already submitted with the same messages (many watchers, one crawl).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from llmstxt.errors import BlockedAddress, InputError
from llmstxt.service.auth import is_authorized
from llmstxt.service.deps import get_runner, get_settings
from llmstxt.service.jobs import JobRunner, QueueFull, job_links
from llmstxt.service.settings import Settings
from llmstxt.service.submit import JobIn, check_submission

router = APIRouter(tags=["websocket"])

FIRST_MESSAGE_SECONDS = 30.0
CLOSE_UNAUTHORIZED = 4401  # the 4000s are the application's own close codes
CLOSE_POLICY = 1008
CLOSE_NOT_FOUND = 4404
CLOSE_BUSY = 1013  # try again later
CLOSING = ("result", "url", "error")  # the closing messages of a job


def links_base(ws: WebSocket) -> str:
    """The http(s) base for links: the configured public URL, or the socket's own host."""
    configured = get_settings(ws).public_url.rstrip("/")
    if configured:
        return configured
    scheme = "https" if ws.url.scheme == "wss" else "http"
    return f"{scheme}://{ws.url.netloc}"


async def send(ws: WebSocket, kind: str, content: Any) -> None:
    """Send one protocol message."""
    await ws.send_text(json.dumps({"type": kind, "content": content}))


async def accept_authorized(ws: WebSocket, settings: Settings) -> bool:
    """Accept the socket; True when its credentials are good, else say why and close it (4401)."""
    await ws.accept()
    if is_authorized(ws, settings):
        return True
    await send(ws, "error", "unauthorized: pass a valid api_key or token query parameter")
    await ws.close(CLOSE_UNAUTHORIZED)
    return False


@router.websocket("/ws/crawl")
async def crawl_socket(ws: WebSocket) -> None:
    """Read one crawl request, run it as a job, and stream its events until it ends."""
    settings = get_settings(ws)
    if not await accept_authorized(ws, settings):
        return
    try:
        job_id = await start_job(ws)
        if job_id is None:
            return
        await stream_job(ws, get_runner(ws), job_id, settings.ws_ping_seconds)
    except WebSocketDisconnect:
        return
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await ws.close()


@router.websocket("/ws/jobs/{job_id}")
async def job_socket(ws: WebSocket, job_id: str) -> None:
    """Follow a job already submitted: its state so far, then its events until it ends."""
    settings = get_settings(ws)
    if not await accept_authorized(ws, settings):
        return
    runner = get_runner(ws)
    if runner.live(job_id) is None:
        await refuse(ws, f"no live job {job_id!r} in this process", CLOSE_NOT_FOUND)
        return
    try:
        await stream_job(ws, runner, job_id, settings.ws_ping_seconds)
    except WebSocketDisconnect:
        return
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await ws.close()


async def start_job(ws: WebSocket) -> str | None:
    """Read the request message and submit it; the job id, or None after sending an error."""
    settings = get_settings(ws)
    try:
        raw = await asyncio.wait_for(ws.receive_text(), FIRST_MESSAGE_SECONDS)
        body = JobIn.model_validate_json(raw)
        request = await check_submission(body, settings, links_base(ws))
        job = await get_runner(ws).submit(request)
    except TimeoutError:
        await refuse(ws, "no crawl request received", CLOSE_POLICY)
        return None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        await refuse(ws, f"invalid request: {where}: {first['msg']}", CLOSE_POLICY)
        return None
    except (InputError, BlockedAddress) as exc:
        await refuse(ws, str(exc), CLOSE_POLICY)
        return None
    except QueueFull:
        await refuse(ws, "the service is busy; retry in a minute", CLOSE_BUSY)
        return None
    await send(
        ws,
        "job",
        {"id": job.id, "site": job.site, "links": job_links(job, links_base(ws), request.full)},
    )
    await send(ws, "log", f"Job {job.id} queued for {request.url}")
    return job.id


async def refuse(ws: WebSocket, message: str, code: int) -> None:
    """Send an error message and close."""
    await send(ws, "error", message)
    await ws.close(code)


async def stream_job(ws: WebSocket, runner: JobRunner, job_id: str, ping_seconds: float) -> None:
    """Forward the job's events with pings between; stop when it ends or the client leaves."""
    ended = asyncio.Event()  # set at the closing message: no ping may follow it
    forward = asyncio.create_task(forward_events(ws, runner, job_id, ended))
    listen = asyncio.create_task(wait_for_disconnect(ws))
    pinger = asyncio.create_task(ping(ws, ping_seconds, ended))
    try:
        await asyncio.wait({forward, listen}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (forward, listen, pinger):
            task.cancel()
        await asyncio.gather(forward, listen, pinger, return_exceptions=True)


async def forward_events(
    ws: WebSocket, runner: JobRunner, job_id: str, ended: asyncio.Event
) -> None:
    """Send each event of the job as a protocol message."""
    async for event in runner.events(job_id):
        if event["type"] in CLOSING:
            ended.set()
        await send(ws, event["type"], event["content"])


async def ping(ws: WebSocket, seconds: float, ended: asyncio.Event) -> None:
    """A ping message every few seconds, so an idle-timeout proxy (the ALB) keeps the socket."""
    while True:
        await asyncio.sleep(seconds)
        if ended.is_set():
            return
        await send(ws, "ping", None)


async def wait_for_disconnect(ws: WebSocket) -> None:
    """Return when the client closes the socket (anything else it sends is ignored)."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
