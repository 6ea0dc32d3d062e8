"""A second job for the same site sends conditional GETs: unchanged pages cost a 304, the file is the same."""

from __future__ import annotations

from pathlib import Path

import httpx2

from tests.functional.test_api_support import api_client, generate, service_settings
from tests.sites.model import SiteSpec
from tests.sites.serve import BackgroundServer
from tests.sites.testsite import TestSite


async def test_a_second_job_recrawls_with_304s_and_publishes_nothing_new(tmp_path: Path) -> None:
    site = TestSite(SiteSpec(pages=24, traps=False))
    with BackgroundServer(site.app) as server:
        async with api_client(service_settings(tmp_path)) as client:
            first = await generate(client, server.base + "/")
            served_first = await client.get(first["links"]["llms_txt"])
            site.log.clear()
            second = await generate(client, server.base + "/")
            served_second = await client.get(second["links"]["llms_txt"])
            versions = (await client.get(f"/api/v1/sites/{first['site']}/versions")).json()
    assert first["status"] == second["status"] == "succeeded"
    pages = [hit for hit in site.log if hit.path.endswith((".html", "/"))]
    not_modified = [hit for hit in pages if hit.status == 304]
    assert pages and len(not_modified) >= 0.95 * len(pages)
    assert served_second.text == served_first.text
    assert len(versions["versions"]) == 1


async def test_the_state_is_per_site(tmp_path: Path) -> None:
    one, two = TestSite(SiteSpec(pages=12, traps=False)), TestSite(SiteSpec(pages=12, traps=False))
    with BackgroundServer(one.app) as first, BackgroundServer(two.app) as second:
        async with api_client(service_settings(tmp_path)) as client:
            await generate(client, first.base + "/")
            job = await generate(client, second.base + "/")
    assert job["status"] == "succeeded"
    assert all(hit.status != 304 for hit in two.log)
    assert isinstance(job["links"]["llms_txt"], str) and httpx2.URL(job["links"]["llms_txt"]).path
