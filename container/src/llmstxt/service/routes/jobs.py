"""Jobs: submit, read, cancel, and follow a generation as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.sse import EventSourceResponse, ServerSentEvent

from llmstxt.service.deps import Authorized, BaseDep, RunnerDep, SettingsDep
from llmstxt.service.errors import ApiError
from llmstxt.service.jobs import JobRunner, QueueFull, job_links
from llmstxt.service.submit import JobIn, check_submission
from llmstxt.store import JobRecord

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], dependencies=[Authorized])


def job_view(job: JobRecord, base: str) -> dict[str, Any]:
    """A job as the API shows it."""
    return {
        "id": job.id,
        "status": job.status,
        "url": job.url,
        "site": job.site,
        "params": job.params,
        "counters": job.counters,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "links": job_links(job, base, bool(job.params.get("full", True))),
    }


async def find_job(runner: JobRunner, job_id: str) -> JobRecord:
    """The job, or 404."""
    job = await runner.get(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no job {job_id!r}")
    return job


def busy(settings_retry: int) -> ApiError:
    """The 429 for a full queue."""
    return ApiError(
        429,
        "busy",
        "every crawl slot and queue place is taken; retry later",
        headers={"Retry-After": str(settings_retry)},
    )


@router.post("", status_code=202)
async def submit(
    body: JobIn, runner: RunnerDep, settings: SettingsDep, base: BaseDep
) -> dict[str, Any]:
    """Queue a generation; 202 with the job's id, status and links."""
    request = await check_submission(body, settings, base)
    try:
        job = await runner.submit(request)
    except QueueFull:
        raise busy(settings.retry_after_seconds) from None
    return job_view(job, base)


@router.get("")
async def list_jobs(runner: RunnerDep, base: BaseDep, site: str | None = None) -> dict[str, Any]:
    """Recent jobs, newest first, optionally of one site."""
    jobs = await runner.store.list_jobs(site=site, limit=100)
    return {"jobs": [job_view(await runner.get(j.id) or j, base) for j in jobs]}


@router.get("/{job_id}")
async def get_job(job_id: str, runner: RunnerDep, base: BaseDep) -> dict[str, Any]:
    """A job's status, counters, error and links."""
    return job_view(await find_job(runner, job_id), base)


@router.delete("/{job_id}")
async def cancel_job(job_id: str, runner: RunnerDep, base: BaseDep) -> dict[str, Any]:
    """Cancel a queued or running job (a finished one is left as it is)."""
    await find_job(runner, job_id)
    job = await runner.cancel(job_id)
    assert job is not None
    return job_view(job, base)


async def existing_job(job_id: str, runner: RunnerDep) -> JobRecord:
    """The job named in the path, or 404 (a dependency: it runs before a stream starts)."""
    return await find_job(runner, job_id)


@router.get("/{job_id}/events", response_class=EventSourceResponse)
async def job_events(
    job: Annotated[JobRecord, Depends(existing_job)], runner: RunnerDep
) -> AsyncIterator[ServerSentEvent]:
    """Server-Sent Events: the state so far, then progress, log lines, and the result or error."""
    job_id = job.id
    if runner.live(job_id) is None:
        # A job another process ran (or this one forgot): only its final state is known.
        yield ServerSentEvent(event="status", data=job.status)
        if job.error:
            yield ServerSentEvent(event="error", data=job.error)
        return
    async for event in runner.events(job_id):
        yield ServerSentEvent(event=event["type"], data=event["content"])
