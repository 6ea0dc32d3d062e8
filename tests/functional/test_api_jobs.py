"""Jobs over the REST API, in-process against a real crawl of a loopback site."""

from __future__ import annotations

import time
from pathlib import Path

from aiohttp import web

from llmstxt.service.auth import issue_token
from llmstxt.store import JobRecord, open_store
from llmstxt.validate import validate
from tests.functional.test_api_support import (
    API_KEY,
    api_client,
    generate,
    served_site,
    service_settings,
    wait_for_job,
)


async def test_a_job_generates_a_valid_hosted_llms_txt(tmp_path: Path) -> None:
    with served_site() as base:
        async with api_client(service_settings(tmp_path)) as client:
            submitted = await client.post("/api/v1/jobs", json={"url": base + "/", "maxPages": 50})
            assert submitted.status_code == 202
            body = submitted.json()
            assert body["status"] in ("queued", "running")
            assert body["links"]["self"].endswith(f"/api/v1/jobs/{body['id']}")
            job = await wait_for_job(client, body["id"])
            hosted = await client.get(job["links"]["llms_txt"])
            full = await client.get(job["links"]["llms_full_txt"])
    assert job["status"] == "succeeded", job
    assert job["error"] is None
    assert job["counters"]["kept"] >= 20
    assert job["counters"]["phase"] == "done"
    assert hosted.status_code == 200
    assert hosted.headers["content-type"] == "text/markdown; charset=utf-8"
    assert hosted.text.startswith("# Acme Docs")
    assert validate(hosted.text) == []
    assert f"]({base}/docs/" in hosted.text
    assert full.status_code == 200 and len(full.text) > len(hosted.text)


async def test_events_replay_progress_and_end_with_the_result(tmp_path: Path) -> None:
    with served_site() as base:
        async with api_client(service_settings(tmp_path)) as client:
            job = await generate(client, base + "/", full=False)
            stream = await client.get(f"/api/v1/jobs/{job['id']}/events")
            hosted = await client.get(job["links"]["llms_txt"])
    assert stream.headers["content-type"].startswith("text/event-stream")
    kinds = [
        line[len("event: ") :] for line in stream.text.splitlines() if line.startswith("event: ")
    ]
    assert kinds[0] == "status"
    assert "progress" in kinds and "log" in kinds
    assert kinds[-2:] == ["result", "url"]
    assert "llms_full_txt" not in job["links"]
    assert hosted.text.splitlines()[0] in stream.text


async def test_bad_input_is_refused_with_a_json_error(tmp_path: Path) -> None:
    async with api_client(service_settings(tmp_path, max_pages_limit=100)) as client:
        not_url = await client.post("/api/v1/jobs", json={"url": "not a url"})
        ftp = await client.post("/api/v1/jobs", json={"url": "ftp://example.com/"})
        zero = await client.post("/api/v1/jobs", json={"url": "http://127.0.0.1/", "maxPages": 0})
        over = await client.post("/api/v1/jobs", json={"url": "http://127.0.0.1/", "maxPages": 101})
        missing = await client.post("/api/v1/jobs", json={})
        garbage = await client.post(
            "/api/v1/jobs", content=b"{", headers={"Content-Type": "application/json"}
        )
    for response in (not_url, ftp, zero, over, missing, garbage):
        assert response.status_code == 422, response.text
        assert set(response.json()["error"]) >= {"code", "message"}
    assert not_url.json()["error"]["code"] == "invalid_input"
    assert "not an http(s) URL" in not_url.json()["error"]["message"]
    assert zero.json()["error"]["code"] == "invalid_request"
    assert zero.json()["error"]["details"][0]["loc"] == ["body", "maxPages"]
    assert "at most 100" in over.json()["error"]["message"]
    assert missing.json()["error"]["details"][0]["loc"] == ["body", "url"]


async def test_private_addresses_are_refused_at_submission(tmp_path: Path) -> None:
    settings = service_settings(tmp_path, allowed_cidrs=())
    async with api_client(settings) as client:
        refused = {
            url: await client.post("/api/v1/jobs", json={"url": url})
            for url in (
                "http://127.0.0.1:8000/",
                "http://localhost/",
                "http://169.254.169.254/latest/meta-data/",
                "http://[::1]/",
                "http://10.0.0.7/",
                "http://2130706433/",
            )
        }
        unresolvable = await client.post(
            "/api/v1/jobs", json={"url": "http://no-such-host.invalid/"}
        )
        jobs = await client.get("/api/v1/jobs")
    for url, response in refused.items():
        assert response.status_code == 422, url
        assert response.json()["error"]["code"] == "blocked_address", url
        assert "non-public address" in response.json()["error"]["message"]
    assert unresolvable.status_code == 422
    assert "cannot resolve" in unresolvable.json()["error"]["message"]
    assert jobs.json()["jobs"] == []


async def test_the_crawl_guard_checks_every_redirect_hop(tmp_path: Path) -> None:
    # 127.0.0.2 is allowlisted, so submission passes; its redirect to 127.0.0.1 must be refused.
    with served_site() as inner:

        async def bounce(request: web.Request) -> web.Response:
            raise web.HTTPFound(inner + "/")

        app = web.Application()
        app.router.add_get("/{tail:.*}", bounce)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.2", 0).start()
        port = runner.addresses[0][1]
        try:
            settings = service_settings(tmp_path, allowed_cidrs=("127.0.0.2/32",))
            async with api_client(settings) as client:
                job = await generate(client, f"http://127.0.0.2:{port}/")
        finally:
            await runner.cleanup()
    assert job["status"] == "failed", job
    assert "127.0.0.1 resolves to 127.0.0.1, a non-public address" in job["error"]


async def test_every_api_route_needs_a_key_or_token(tmp_path: Path) -> None:
    settings = service_settings(tmp_path)
    async with api_client(settings, key=None) as client:
        none = await client.get("/api/v1/jobs")
        wrong = await client.get("/api/v1/jobs", headers={"X-API-Key": "nope"})
        sites = await client.get("/api/v1/sites")
        no_token = await client.post("/auth/token")
        minted = await client.post("/auth/token", headers={"X-API-Key": API_KEY})
        token = minted.json()["token"]
        bearer = await client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
        query = await client.get(f"/api/v1/jobs?token={token}")
        stale, _ = issue_token(settings, now=time.time() - 3600)
        expired = await client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {stale}"})
        forged = await client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}x"})
        health = await client.get("/health")
    for response in (none, wrong, sites, no_token, expired, forged):
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "unauthorized"
    assert minted.status_code == 200 and minted.json()["expires_in"] == 300
    assert API_KEY not in token
    assert bearer.status_code == 200
    assert query.status_code == 401  # a query string lands in logs: only the WebSocket reads one
    assert health.status_code == 200


async def test_a_full_queue_answers_429_with_retry_after(tmp_path: Path) -> None:
    settings = service_settings(tmp_path, max_concurrent_jobs=1, max_queued_jobs=1)
    with served_site(latency_ms=100) as base:
        async with api_client(settings) as client:
            body = {"url": base + "/", "maxPages": 40}
            first = await client.post("/api/v1/jobs", json=body)
            second = await client.post("/api/v1/jobs", json=body)
            third = await client.post("/api/v1/jobs", json=body)
            for response in (first, second):
                await client.delete(f"/api/v1/jobs/{response.json()['id']}")
            fourth = await client.post("/api/v1/jobs", json=body)
            await client.delete(f"/api/v1/jobs/{fourth.json()['id']}")
    assert [first.status_code, second.status_code] == [202, 202]
    assert third.status_code == 429
    assert third.headers["Retry-After"] == "30"
    assert third.json()["error"]["code"] == "busy"
    assert fourth.status_code == 202


async def test_cancel_stops_a_running_job(tmp_path: Path) -> None:
    with served_site(latency_ms=150, pages=60) as base:
        async with api_client(service_settings(tmp_path)) as client:
            submitted = await client.post("/api/v1/jobs", json={"url": base + "/", "maxPages": 60})
            job_id = submitted.json()["id"]
            await wait_for_job(client, job_id, {"running"})
            cancelled = await client.delete(f"/api/v1/jobs/{job_id}")
            later = await wait_for_job(client, job_id)
            again = await client.delete(f"/api/v1/jobs/{job_id}")
            missing = await client.delete("/api/v1/jobs/nope")
        store = open_store("local", data_dir=tmp_path / "data")
        stored = await store.get_job(job_id)
        await store.close()
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert later["status"] == "cancelled" and "llms_txt" not in later["links"]
    assert again.json()["status"] == "cancelled"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert stored is not None and stored.status == "cancelled"


async def test_unfinished_jobs_read_interrupted_after_a_restart(tmp_path: Path) -> None:
    store = open_store("local", data_dir=tmp_path / "data")
    running = await store.create_job(
        JobRecord(site="example.com", url="https://example.com/", status="running")
    )
    queued = await store.create_job(JobRecord(site="example.com", url="https://example.com/"))
    await store.close()
    async with api_client(service_settings(tmp_path)) as client:
        first = await client.get(f"/api/v1/jobs/{running.id}")
        second = await client.get(f"/api/v1/jobs/{queued.id}")
        events = await client.get(f"/api/v1/jobs/{running.id}/events")
    assert first.json()["status"] == "interrupted"
    assert second.json()["status"] == "interrupted"
    assert "event: status" in events.text and '"interrupted"' in events.text


async def test_a_site_that_cannot_be_reached_fails_the_job(tmp_path: Path) -> None:
    with served_site() as base:
        gone = base  # the server stops when the block ends: nothing listens there afterwards
    async with api_client(service_settings(tmp_path)) as client:
        job = await generate(client, gone + "/")
        site = await client.get(f"/api/v1/sites/{job['site']}")
    assert job["status"] == "failed"
    assert "cannot reach" in job["error"]
    assert site.status_code == 404  # a failed first crawl enrolls nothing
