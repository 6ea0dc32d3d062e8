"""The service under uvicorn on the AWS store (DynamoDB + S3 on the moto server, over real HTTP)."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests` is imported as a package from the repository root
    sys.path.insert(0, str(ROOT))

from llmstxt.store.aws import AwsStore  # noqa: E402
from tests.integration.test_uvicorn_support import ServiceProcess  # noqa: E402
from tests.sites.model import SiteSpec  # noqa: E402
from tests.sites.serve import BackgroundServer  # noqa: E402
from tests.sites.testsite import TestSite  # noqa: E402

KEY = "aws-integration-key"


def wait_for_job(client: httpx2.Client, job_id: str) -> dict[str, object]:
    """Poll a job until it is finished."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, object] = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_a_job_publishes_to_s3_and_is_served_from_it(aws_env: str, tmp_path: Path) -> None:
    table, bucket = f"llmstxt-{uuid.uuid4().hex[:8]}", f"llmstxt-{uuid.uuid4().hex[:8]}"
    store = AwsStore(table=table, bucket=bucket, region="us-east-1")
    asyncio.run(store.create_resources())
    asyncio.run(store.close())
    site = TestSite(SiteSpec(pages=20, traps=False))
    settings = {"store": "aws", "table": table, "bucket": bucket, "api_keys": KEY}
    with (
        BackgroundServer(site.app) as server,
        ServiceProcess(tmp_path / "unused", tmp_path / "service.log", **settings) as service,
        httpx2.Client(base_url=service.base, headers={"X-API-Key": KEY}) as client,
    ):
        ready = client.get("/health/ready")
        submitted = client.post("/api/v1/jobs", json={"url": server.base + "/", "maxPages": 20})
        job = wait_for_job(client, submitted.json()["id"])
        links = job["links"]
        assert isinstance(links, dict)
        hosted = client.get(links["llms_txt"])
        cached = client.get(links["llms_txt"], headers={"If-None-Match": hosted.headers["etag"]})
        versions = client.get(f"/api/v1/sites/{job['site']}/versions").json()["versions"]
    assert ready.json() == {"status": "ready"}
    assert job["status"] == "succeeded", job
    assert hosted.text.startswith("# Acme Docs") and cached.status_code == 304
    assert len(versions) == 1 and hosted.headers["etag"] == f'"{versions[0]["sha256"]}"'
    assert not (tmp_path / "unused").exists()  # nothing went to local files
