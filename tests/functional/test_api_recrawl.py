"""The cron trigger and the change webhook: due sites are leased, crawled once, and rescheduled."""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import ExitStack
from pathlib import Path

import httpx2

from llmstxt.service.routes.internal import sign
from llmstxt.store import Store
from tests.functional.test_api_support import api_client, generate, served_site, service_settings

CRON = "cron-secret-for-tests"


def store_of(client: httpx2.AsyncClient) -> Store:
    """The store of the app behind an in-process client."""
    store: Store = client._transport.app.state.store  # type: ignore[attr-defined]
    return store


async def wait_recrawled(client: httpx2.AsyncClient, sites: list[str], since: float) -> None:
    """Wait until every site was crawled after `since` and holds no lease."""
    async with asyncio.timeout(120):
        while True:
            records = [await store_of(client).get_site(s) for s in sites]
            if all(r and (r.last_crawl_at or 0) > since and not r.lease_owner for r in records):
                return
            await asyncio.sleep(0.05)


async def test_the_trigger_needs_the_cron_secret(tmp_path: Path) -> None:
    async with api_client(service_settings(tmp_path, cron_secret=CRON)) as client:
        missing = await client.post("/internal/cron/recrawl")
        wrong = await client.post("/internal/cron/recrawl", headers={"X-Cron-Secret": "nope"})
        right = await client.post("/internal/cron/recrawl", headers={"X-Cron-Secret": CRON})
    async with api_client(service_settings(tmp_path / "open")) as client:
        unset = await client.post("/internal/cron/recrawl", headers={"X-Cron-Secret": ""})
    assert missing.status_code == 401 and wrong.status_code == 401 and unset.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    assert right.status_code == 202 and right.json() == {"claimed": 0, "due": 0}


async def test_a_signed_webhook_makes_the_site_due_and_the_trigger_recrawls_it(
    tmp_path: Path,
) -> None:
    with served_site() as base:
        async with api_client(service_settings(tmp_path, cron_secret=CRON)) as client:
            job = await generate(client, base + "/", enableAutoUpdate=True)
            secret = (await client.get(f"/api/v1/sites/{job['site']}")).json()["webhook_secret"]
            body = json.dumps({"base_url": base + "/"}).encode()
            unsigned = await client.post("/internal/hooks/site-changed", content=body)
            forged = await client.post(
                "/internal/hooks/site-changed",
                content=body,
                headers={"X-Llmstxt-Signature": sign("guess", body)},
            )
            idle = await client.post("/internal/cron/recrawl", headers={"X-Cron-Secret": CRON})
            since = time.time()
            signed = await client.post(
                "/internal/hooks/site-changed",
                content=body,
                headers={"X-Llmstxt-Signature": sign(secret, body)},
            )
            fired = await client.post("/internal/cron/recrawl", headers={"X-Cron-Secret": CRON})
            await wait_recrawled(client, [job["site"]], since)
            site = (await client.get(f"/api/v1/sites/{job['site']}")).json()
            jobs = (await client.get(f"/api/v1/jobs?site={job['site']}")).json()["jobs"]
    assert unsigned.status_code == 401 and forged.status_code == 401
    assert idle.json() == {"claimed": 0, "due": 0}
    assert signed.status_code == 202 and signed.json()["due"] is True
    assert fired.json() == {"claimed": 1, "due": 1}
    assert [j["status"] for j in jobs] == ["succeeded", "succeeded"]
    assert site["next_crawl_at"] >= since + 360 * 60 and site["last_status"] == "unchanged"


async def test_two_services_on_one_store_split_the_due_sites(tmp_path: Path) -> None:
    settings = service_settings(tmp_path, cron_secret=CRON, max_concurrent_jobs=1)
    with ExitStack() as stack:
        bases = [stack.enter_context(served_site(pages=12)) for _ in range(4)]
        async with api_client(settings) as one, api_client(settings) as two:
            keys = [(await generate(one, b + "/", enableAutoUpdate=True))["site"] for b in bases]
            for key in keys:
                await store_of(one).patch_site(key, next_crawl_at=0.0)
            since = time.time()
            headers = {"X-Cron-Secret": CRON}
            answers = await asyncio.gather(
                one.post("/internal/cron/recrawl", headers=headers),
                two.post("/internal/cron/recrawl", headers=headers),
            )
            await wait_recrawled(one, keys, since)
            jobs = (await one.get("/api/v1/jobs")).json()["jobs"]
            ran_by_two = two._transport.app.state.runner._jobs.keys()  # type: ignore[attr-defined]
    claimed = [a.json()["claimed"] for a in answers]
    assert claimed == [1, 1]  # one free slot each: the rest are claimed as slots free up
    recrawls = [j for j in jobs if j["created_at"] >= since]
    assert sorted(j["site"] for j in recrawls) == sorted(keys)  # every site exactly once
    assert all(j["status"] == "succeeded" for j in recrawls)
    assert 1 <= len(set(ran_by_two) & {j["id"] for j in recrawls}) <= 3
