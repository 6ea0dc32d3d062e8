"""Sites, versions and hosted outputs over the API, after real crawls of a loopback site."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx2

from tests.functional.test_api_support import api_client, generate, served_site, service_settings


async def test_enrollment_and_schedule_follow_the_request_and_patches(tmp_path: Path) -> None:
    with served_site() as base:
        async with api_client(service_settings(tmp_path)) as client:
            before = time.time()
            job = await generate(
                client, base + "/", enableAutoUpdate=True, recrawlIntervalMinutes=120
            )
            listed = (await client.get("/api/v1/sites")).json()["sites"]
            one = (await client.get(f"/api/v1/sites/{job['site']}")).json()
            off = await client.patch(
                f"/api/v1/sites/{job['site']}", json={"enableAutoUpdate": False}
            )
            on = await client.patch(
                f"/api/v1/sites/{job['site']}",
                json={"enableAutoUpdate": True, "recrawlIntervalMinutes": 60, "maxPages": 30},
            )
            too_often = await client.patch(
                f"/api/v1/sites/{job['site']}", json={"recrawlIntervalMinutes": 30}
            )
            unknown = await client.patch(f"/api/v1/sites/{job['site']}", json={"colour": "red"})
            missing = await client.patch("/api/v1/sites/nope", json={"full": False})
    assert [s["site"] for s in listed] == [job["site"]]
    assert "webhook_secret" not in listed[0]
    assert one["auto_update"] is True and one["interval_minutes"] == 120
    assert before + 7200 <= one["next_crawl_at"] <= time.time() + 7200
    assert one["page_count"] >= 20 and one["last_status"] == "ok"
    assert len(one["webhook_secret"]) >= 24
    assert off.json()["auto_update"] is False and off.json()["next_crawl_at"] is None
    assert on.json()["auto_update"] is True and on.json()["max_pages"] == 30
    assert on.json()["next_crawl_at"] <= time.time() + 3600
    assert too_often.status_code == 422 and unknown.status_code == 422
    assert missing.status_code == 404


async def test_a_one_off_job_keeps_an_enrolled_site_enrolled(tmp_path: Path) -> None:
    with served_site() as base:
        async with api_client(service_settings(tmp_path)) as client:
            job = await generate(client, base + "/", enableAutoUpdate=True)
            await generate(client, base + "/")
            site = (await client.get(f"/api/v1/sites/{job['site']}")).json()
    assert site["auto_update"] is True and site["interval_minutes"] == 360


async def test_same_output_adds_no_version_and_serves_304(tmp_path: Path) -> None:
    with served_site() as base:
        async with api_client(service_settings(tmp_path)) as client:
            first = await generate(client, base + "/")
            await generate(client, base + "/")
            versions = (await client.get(f"/api/v1/sites/{first['site']}/versions")).json()
            site = (await client.get(f"/api/v1/sites/{first['site']}")).json()
            public = httpx2.AsyncClient(transport=client._transport, base_url="http://testserver")
            async with public:
                current = await public.get(f"/sites/{first['site']}/llms.txt")
                etag = current.headers["etag"]
                cached = await public.get(
                    f"/sites/{first['site']}/llms.txt", headers={"If-None-Match": etag}
                )
                stale = await public.get(
                    f"/sites/{first['site']}/llms.txt", headers={"If-None-Match": '"other"'}
                )
                link = versions["versions"][0]["links"]["llms_txt"]
                pinned = await public.get(link)
                pinned_full = await public.get(versions["versions"][0]["links"]["llms_full_txt"])
                absent = await public.get(f"/sites/{first['site']}/versions/0-nope/llms.txt")
    assert len(versions["versions"]) == 1
    assert site["last_status"] == "unchanged"
    assert current.status_code == 200 and cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == etag and stale.status_code == 200
    assert etag == f'"{versions["versions"][0]["sha256"]}"'
    assert current.headers["cache-control"] == "public, max-age=300"
    assert parsedate_to_datetime(current.headers["last-modified"]).timestamp() > 0
    assert pinned.text == current.text
    assert "immutable" in pinned.headers["cache-control"]
    assert pinned_full.status_code == 200 and pinned_full.text.startswith("# Acme Docs")
    assert absent.status_code == 404 and absent.json()["error"]["code"] == "not_found"


async def test_a_changed_site_adds_a_version_with_a_summary(tmp_path: Path) -> None:
    with served_site(pages=24) as base:
        async with api_client(service_settings(tmp_path)) as client:
            job = await generate(client, base + "/", full=False, maxPages=10)
            again = await generate(client, base + "/", full=False, maxPages=50)
            versions = (await client.get(f"/api/v1/sites/{job['site']}/versions")).json()
            full = await client.get(f"/sites/{job['site']}/llms-full.txt")
    newest, older = versions["versions"][:2]
    assert again["status"] == "succeeded"
    assert newest["version"] > older["version"]
    assert newest["summary"]["added"] and newest["summary"]["removed"] == []
    assert all(link.startswith(base) for link in newest["summary"]["added"])
    assert newest["full_size"] is None and full.status_code == 404


async def test_hosted_files_need_no_key_but_api_does(tmp_path: Path) -> None:
    with served_site() as base:
        async with api_client(service_settings(tmp_path)) as client:
            job = await generate(client, base + "/")
            public = httpx2.AsyncClient(transport=client._transport, base_url="http://testserver")
            async with public:
                hosted = await public.get(f"/sites/{job['site']}/llms.txt")
                api = await public.get(f"/api/v1/sites/{job['site']}")
                unknown = await public.get("/sites/nowhere/llms.txt")
            deleted = await client.delete(f"/api/v1/sites/{job['site']}")
            after = await client.get(f"/sites/{job['site']}/llms.txt")
            again = await client.delete(f"/api/v1/sites/{job['site']}")
    assert hosted.status_code == 200 and api.status_code == 401
    assert unknown.status_code == 404
    assert deleted.json() == {"deleted": job["site"]}
    assert after.status_code == 404 and again.status_code == 404
