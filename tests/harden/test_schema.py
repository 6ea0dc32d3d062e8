"""schemathesis over the app's own OpenAPI schema, against the app under a real uvicorn on loopback:
no 5xx, no response that contradicts the schema (body, content type), with a valid API key.

Job submissions carry generated URLs: names resolve through the resolver override (unknown names
are NXDOMAIN, never real DNS) and the dial tap refuses any connection that would leave loopback,
so a generated public address is never contacted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from llmstxt.service.app import create_app
from llmstxt.service.settings import Settings
from tests.harden.sec_support import DialTap, FakeDNS, ServiceThread

pytestmark = pytest.mark.harden

KEY = "schema-test-key"
EXAMPLES = 60  # at most, per operation (19 operations)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def schema_settings(data_dir: Path) -> Settings:
    """One key, a local store, a small queue (a full one answers 429, which must be documented)."""
    return Settings(
        store="local",
        data_dir=data_dir,
        api_keys=(KEY,),
        cron_secret=SecretStr("schema-cron"),
        max_concurrent_jobs=1,
        max_queued_jobs=2,
        crawl_deadline_seconds=5,
    )


schema = schemathesis.openapi.from_dict(create_app(schema_settings(Path("/nonexistent"))).openapi())


RUN: Counter[str] = Counter()  # examples run and statuses seen, for the figure


@pytest.fixture(scope="module")
def figure(request: pytest.FixtureRequest) -> Iterator[None]:
    """Write the number of examples run and the statuses seen when the module ends."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and RUN:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(RUN.items()) if k != "examples")
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nschemathesis: {RUN['examples']} examples ({statuses})")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a real loopback port, with the resolver override and the dial tap armed."""
    data = tmp_path_factory.mktemp("schema") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("socket.getaddrinfo", FakeDNS().getaddrinfo)
        with DialTap.get().armed_for(), ServiceThread(create_app(schema_settings(data))) as app:
            yield f"http://127.0.0.1:{app.port}"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_within_its_schema(
    case: Any, service: str, figure: None
) -> None:
    RUN["examples"] += 1
    response = case.call_and_validate(base_url=service, headers={"X-API-Key": KEY}, checks=CHECKS)
    RUN[f"{response.status_code // 100}xx"] += 1
    assert response.status_code < 500, response.text  # (as not_a_server_error, said plainly)
