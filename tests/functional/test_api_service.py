"""The service's edges: health, the web page, OpenAPI, body limits, CORS, settings from env."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from llmstxt.service.settings import Settings
from tests.functional.test_api_support import API_KEY, api_client, service_settings


async def test_health_and_readiness(tmp_path: Path) -> None:
    async with api_client(service_settings(tmp_path), key=None) as client:
        live = await client.get("/health")
        ready = await client.get("/health/ready")
        await client._transport.app.state.store.close()  # type: ignore[attr-defined]
        broken = await client.get("/health/ready")
    assert live.json() == {"status": "ok"}
    assert ready.json() == {"status": "ready"}
    assert broken.status_code == 503
    assert broken.json()["error"]["code"] == "store_unavailable"


async def test_the_page_and_its_files_are_served(tmp_path: Path) -> None:
    async with api_client(service_settings(tmp_path), key=None) as client:
        page = await client.get("/")
        script = await client.get("/static/app.js")
        style = await client.get("/static/style.css")
        docs = await client.get("/docs")
        schema = await client.get("/openapi.json")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "connect-src 'self' ws: wss:" in page.headers["content-security-policy"]
    assert '<form id="generate"' in page.text and 'src="/static/app.js"' in page.text
    assert API_KEY not in page.text
    assert "new WebSocket" in script.text and style.status_code == 200
    assert docs.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/jobs", "/api/v1/jobs/{job_id}", "/api/v1/sites/{site}", "/auth/token"} <= set(
        paths
    )
    assert "/sites/{site}/llms.txt" in paths


async def test_a_large_body_is_refused(tmp_path: Path) -> None:
    async with api_client(service_settings(tmp_path, max_body_bytes=2048)) as client:
        big = await client.post(
            "/api/v1/jobs",
            content=b'{"url": "http://example.com/' + b"a" * 4096 + b'"}',
            headers={"Content-Type": "application/json"},
        )
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "payload_too_large"


async def test_cors_allows_only_the_configured_origins(tmp_path: Path) -> None:
    settings = service_settings(tmp_path, cors_origins=("https://app.example.com",))
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-api-key",
    }
    async with api_client(settings) as client:
        allowed = await client.options(
            "/api/v1/jobs", headers={"Origin": "https://app.example.com"} | preflight
        )
        refused = await client.options(
            "/api/v1/jobs", headers={"Origin": "https://evil.example.com"} | preflight
        )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in refused.headers


def test_settings_come_from_llmstxt_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LLMSTXT_STORE", "aws")
    monkeypatch.setenv("LLMSTXT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LLMSTXT_API_KEYS", "one, two,,")
    monkeypatch.setenv("LLMSTXT_CRON_SECRET", "s3cret")
    monkeypatch.setenv("LLMSTXT_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("LLMSTXT_CORS_ORIGINS", "https://a.example,https://b.example")
    monkeypatch.setenv("LLMSTXT_TABLE", "sites-table")
    monkeypatch.setenv("LLMSTXT_BUCKET", "out-bucket")
    settings = Settings()
    assert settings.store == "aws" and settings.data_dir == tmp_path
    assert settings.api_keys == ("one", "two") and settings.auth_required
    assert settings.cron_secret is not None and settings.cron_secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.allow_private_networks is True
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert (settings.table, settings.bucket) == ("sites-table", "out-bucket")


def test_the_service_is_safe_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LLMSTXT_ALLOW_PRIVATE_NETWORKS", "LLMSTXT_ALLOWED_CIDRS", "LLMSTXT_STORE"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.allow_private_networks is False and settings.allowed_cidrs == ()
    assert settings.store == "local"


async def test_an_open_service_needs_no_key(tmp_path: Path) -> None:
    async with api_client(service_settings(tmp_path, api_keys=()), key=None) as client:
        jobs = await client.get("/api/v1/jobs")
        token = await client.post("/auth/token")
    assert jobs.status_code == 200 and token.status_code == 200


async def test_a_large_chunked_body_is_refused_too(tmp_path: Path) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"url": "http://example.com/'
        for _ in range(8):
            yield b"a" * 512
        yield b'"}'

    async with api_client(service_settings(tmp_path, max_body_bytes=2048)) as client:
        big = await client.post(
            "/api/v1/jobs", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "payload_too_large"
