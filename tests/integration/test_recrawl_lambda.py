"""The cron Lambda's real handler, with events/scheduled.json, a loopback service and its secret on moto."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENT = json.loads((ROOT / "events" / "scheduled.json").read_text())
SECRET_NAME = "llmstxt-test/cron-secret"
SECRET = "s3cr3t-value-for-tests"


@dataclass
class FakeService:
    """What the stand-in service saw and how it should answer."""

    status: int = HTTPStatus.ACCEPTED
    body: dict[str, Any] = field(default_factory=lambda: {"claimed": 3, "due": 5})
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    url: str = ""


def make_handler(service: FakeService) -> type[BaseHTTPRequestHandler]:
    """A request handler that checks X-Cron-Secret the way the real service does."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            """Answer the recrawl trigger: 401 without the right secret, else the configured answer."""
            secret = self.headers.get("X-Cron-Secret")
            service.requests.append((self.command, self.path, secret))
            if self.path != "/internal/cron/recrawl":
                status, body = HTTPStatus.NOT_FOUND, {"detail": "not found"}
            elif secret != SECRET:
                status, body = HTTPStatus.UNAUTHORIZED, {"detail": "bad secret"}
            else:
                status, body = HTTPStatus(service.status), service.body
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler


@pytest.fixture
def service() -> Iterator[FakeService]:
    """A real HTTP server on 127.0.0.1 standing in for the llmstxt service."""
    state = FakeService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class LambdaContext:
    """The attributes of the Lambda context that Powertools reads."""

    function_name: str = "llmstxt-auto-update"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:llmstxt-auto-update"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"


@contextlib.contextmanager
def recrawl_handler(monkeypatch: pytest.MonkeyPatch, request_timeout: int) -> Iterator[ModuleType]:
    """functions/recrawl/app.py freshly imported, its secret stored in Secrets Manager on moto."""
    client = boto3.client("secretsmanager")
    try:
        client.create_secret(Name=SECRET_NAME, SecretString=SECRET)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=SECRET_NAME, SecretString=SECRET)
    monkeypatch.setenv("CRON_SECRET_NAME", SECRET_NAME)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "llmstxt-auto-update")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "llmstxt-test")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("REQUEST_TIMEOUT", str(request_timeout))
    spec = importlib.util.spec_from_file_location("recrawl_app", ROOT / "functions/recrawl/app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The Logger's handler binds the stdout of its first import; give it a buffer the test can read.
    module.logger.logger_handler.setStream(io.StringIO())
    try:
        yield module
    finally:
        module.parameters.clear_caches()
        module.http.clear()


@pytest.fixture
def app(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The handler module with a short request timeout (the failure cases wait on it)."""
    with recrawl_handler(monkeypatch, request_timeout=5) as module:
        yield module


def emitted(out: str) -> list[dict[str, Any]]:
    """The JSON lines in some output (structured logs or EMF metrics)."""
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def logged(app: ModuleType) -> list[dict[str, Any]]:
    """The structured log lines the handler wrote."""
    return emitted(app.logger.logger_handler.stream.getvalue())


def metric_values(out: str) -> dict[str, float]:
    """Metric name -> value from the EMF blob Powertools printed to stdout."""
    blobs = [line for line in emitted(out) if "_aws" in line]
    assert len(blobs) == 1, blobs
    directive = blobs[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "llmstxt-test"
    values = {m["Name"]: blobs[0][m["Name"]] for m in directive["Metrics"]}
    return {name: sum(v) if isinstance(v, list) else v for name, v in values.items()}


def test_success_posts_secret_and_records_claimed_sites(
    app: ModuleType,
    service: FakeService,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A scheduled event triggers one POST with the secret; the answer and SitesClaimed come back."""
    monkeypatch.setenv("SERVICE_URL", service.url + "/")
    result = app.lambda_handler(EVENT, LambdaContext())
    assert result == {"claimed": 3, "due": 5}
    assert service.requests == [("POST", "/internal/cron/recrawl", SECRET)]
    assert metric_values(capsys.readouterr().out) == {"Invocations": 1.0, "SitesClaimed": 3.0}
    logs = [line for line in logged(app) if line.get("message") == "recrawl triggered"]
    assert logs and logs[0]["correlation_id"] == EVENT["id"]
    assert logs[0]["claimed"] == 3 and logs[0]["level"] == "INFO"


def test_secret_is_cached_between_invocations(
    app: ModuleType, service: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm Lambda keeps using the cached secret even after it changes in Secrets Manager."""
    monkeypatch.setenv("SERVICE_URL", service.url)
    app.lambda_handler(EVENT, LambdaContext())
    boto3.client("secretsmanager").put_secret_value(SecretId=SECRET_NAME, SecretString="rotated")
    assert app.lambda_handler(EVENT, LambdaContext()) == {"claimed": 3, "due": 5}
    assert [secret for _, _, secret in service.requests] == [SECRET, SECRET]


def test_wrong_secret_raises_without_retry(
    app: ModuleType,
    service: FakeService,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A 401 from the service fails the invocation at once and counts a Failure."""
    boto3.client("secretsmanager").put_secret_value(SecretId=SECRET_NAME, SecretString="wrong")
    monkeypatch.setenv("SERVICE_URL", service.url)
    with pytest.raises(app.RecrawlError, match="401"):
        app.lambda_handler(EVENT, LambdaContext())
    assert service.requests == [("POST", "/internal/cron/recrawl", "wrong")]
    assert metric_values(capsys.readouterr().out) == {"Invocations": 1.0, "Failures": 1.0}


def test_server_error_is_retried_once_then_raises(
    app: ModuleType,
    service: FakeService,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A 5xx answer is retried once; when it persists the invocation errors."""
    service.status = HTTPStatus.SERVICE_UNAVAILABLE
    service.body = {"detail": "busy"}
    monkeypatch.setenv("SERVICE_URL", service.url)
    with pytest.raises(app.RecrawlError, match="503"):
        app.lambda_handler(EVENT, LambdaContext())
    assert len(service.requests) == 2
    assert metric_values(capsys.readouterr().out)["Failures"] == 1.0
    errors = [line for line in logged(app) if line.get("level") == "ERROR"]
    assert errors and errors[0]["correlation_id"] == EVENT["id"]


def test_unexpected_answer_raises(
    app: ModuleType, service: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only 202 counts as accepted: a 200 is a failure too (a wrong URL or an old service)."""
    service.status = HTTPStatus.OK
    monkeypatch.setenv("SERVICE_URL", service.url)
    with pytest.raises(app.RecrawlError, match="200"):
        app.lambda_handler(EVENT, LambdaContext())


def test_service_down_raises(app: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listening on the service port: the connection error fails the invocation."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SERVICE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(app.urllib3.exceptions.MaxRetryError):
        app.lambda_handler(EVENT, LambdaContext())


def test_missing_secret_raises(
    app: ModuleType, service: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret name that does not exist fails before any request is sent."""
    monkeypatch.setenv("CRON_SECRET_NAME", "llmstxt-test/no-such-secret")
    monkeypatch.setenv("SERVICE_URL", service.url)
    with pytest.raises(app.parameters.exceptions.GetParameterError):
        app.lambda_handler(EVENT, LambdaContext())
    assert service.requests == []
