"""Auth: every route of the app × every wrong credential → 401, the cron secret, webhook signatures.

The routes come from the app itself (`iter_route_contexts(app.routes)`), so a route added later is
in the matrix at once: it must be listed as public (with the reason) or internal, or it is tested as
a protected route and fails if it answers without a credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import jwt
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from llmstxt.service.app import create_app
from llmstxt.service.settings import Settings
from llmstxt.store import SiteRecord
from tests.harden.sec_support import ServiceThread

pytestmark = pytest.mark.harden

KEY = "matrix-key-one"
OTHER_KEY = "matrix-key-two"
JWT_SECRET = "matrix-jwt-secret-" + "0123456789abcdef" * 3  # long enough for HS384
CRON = "matrix-cron-secret"
HOOK_SECRET = "matrix-webhook-secret"
SITE_URL = "https://hooked.example/"

# Routes anyone may call, and why.
PUBLIC = {
    "/health": "load balancer liveness probe; says only 'ok'",
    "/health/ready": "readiness probe; says only whether the store answers",
    "/": "the web page: static HTML that asks the user for a key and buys a token with it",
    "/static": "the web page's script and style sheet",
    "/sites/{site}/llms.txt": "hosted files are public by design: publishing them is the product",
    "/sites/{site}/llms-full.txt": "hosted file, as above",
    "/sites/{site}/versions/{version}/llms.txt": "a published version of a hosted file",
    "/sites/{site}/versions/{version}/llms-full.txt": "a published version of a hosted file",
    "/openapi.json": "the API description; no data",
    "/docs": "the API description rendered; no data",
    "/docs/oauth2-redirect": "part of the rendered API description",
    "/redoc": "the API description rendered; no data",
}
CRON_ROUTES = {"/internal/cron/recrawl"}  # X-Cron-Secret, never an API key
SIGNED_ROUTES = {"/internal/hooks/site-changed"}  # HMAC of the body with the site's secret
KEY_ONLY = {"/auth/token"}  # a token must not buy a token: only the key


def matrix_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Two keys, a fixed JWT secret, a cron secret, a local store under tmp_path."""
    values: dict[str, Any] = {
        "store": "local",
        "data_dir": tmp_path / "data",
        "api_keys": (KEY, OTHER_KEY),
        "jwt_secret": JWT_SECRET,
        "cron_secret": CRON,
    }
    return Settings(**(values | overrides))


@dataclass(frozen=True)
class Endpoint:
    """One method of one route, as the app declares it."""

    method: str
    path: str

    def url(self) -> str:
        """The path with every parameter filled with a value no record has."""
        parts = [("nosuch" if p.startswith("{") else p) for p in self.path.split("/")]
        return "/".join(parts)


def endpoints(app: FastAPI) -> tuple[list[Endpoint], list[str], list[str]]:
    """(HTTP endpoints, WebSocket paths, mounted paths) of the app, included routers flattened."""
    http: list[Endpoint] = []
    sockets: list[str] = []
    mounts: list[str] = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, str(context.path)
        if isinstance(route, Mount):
            mounts.append(path)
        elif getattr(route, "methods", None):
            http += [Endpoint(m, path) for m in sorted(route.methods) if m != "HEAD"]  # type: ignore[attr-defined]
        else:
            sockets.append(path)
    return http, sockets, mounts


HTTP, SOCKETS, MOUNTS = endpoints(create_app(matrix_settings(Path("/nonexistent"))))
PROTECTED = [e for e in HTTP if e.path not in PUBLIC and e.path not in CRON_ROUTES | SIGNED_ROUTES]


# --- credentials -------------------------------------------------------------------------------


def claims(**changes: Any) -> dict[str, Any]:
    """The claims of a token the service would issue now, changed as given (None drops one)."""
    now = int(time.time())
    values = {"aud": "llmstxt", "sub": "api-client", "iat": now, "exp": now + 300} | changes
    return {k: v for k, v in values.items() if v is not None}


def signed(secret: str = JWT_SECRET, algorithm: str = "HS256", **changes: Any) -> str:
    """A JWT over claims(**changes)."""
    return jwt.encode(claims(**changes), secret, algorithm)


def unsigned_token() -> str:
    """An alg=none token: valid claims, no signature."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims())}."


def bearer(token: str) -> dict[str, Any]:
    """The request options that send token as a bearer token."""
    return {"headers": {"Authorization": f"Bearer {token}"}}


def wrong_credentials() -> dict[str, dict[str, Any]]:
    """Every case that must be refused, as httpx2 request options."""
    valid = signed()
    now = int(time.time())
    return {
        "no credentials": {},
        "wrong key": {"headers": {"X-API-Key": "wrong"}},
        "empty key": {"headers": {"X-API-Key": ""}},
        "key with a suffix": {"headers": {"X-API-Key": KEY + "x"}},
        "key prefix": {"headers": {"X-API-Key": KEY[:-1]}},
        "key, other case": {"headers": {"X-API-Key": KEY.upper()}},
        "wrong key in the query": {"params": {"api_key": "wrong"}},
        "right key in the query (header expected)": {"params": {"api_key": KEY}},
        "right token in the query (header expected)": {"params": {"token": valid}},
        "right key as a bearer token": bearer(KEY),
        "right key in a cookie": {"cookies": {"api_key": KEY}},
        "right key in another header": {"headers": {"Api-Key": KEY, "X-Api-Token": KEY}},
        "right key as basic auth": {"auth": (KEY, "")},
        "token in X-API-Key": {"headers": {"X-API-Key": valid}},
        "token without the Bearer scheme": {"headers": {"Authorization": valid}},
        "expired token": bearer(signed(iat=now - 3600, exp=now - 3300)),
        "token signed with another secret": bearer(signed("not-the-secret-0123456789abcdef-0123")),
        "token signed with an API key": bearer(signed(KEY + "-padding-to-32-bytes-long!!")),
        "alg=none token": bearer(unsigned_token()),
        "HS384 token with the right secret": bearer(signed(algorithm="HS384")),
        "token for another audience": bearer(signed(aud="someone-else")),
        "token without an expiry": bearer(signed(exp=None)),
        "token with a flipped signature byte": bearer(
            valid[:-2] + ("A" if valid[-2] != "A" else "B") + valid[-1]
        ),
        "garbage bearer": bearer("not.a.jwt"),
    }


@asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx2.AsyncClient]]:
    """The app with its lifespan run, and an in-process client without credentials."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield app, client


async def call(client: httpx2.AsyncClient, endpoint: Endpoint, **options: Any) -> httpx2.Response:
    """One request to the endpoint (a JSON body for the methods that take one)."""
    if endpoint.method in ("POST", "PUT", "PATCH"):
        options.setdefault("json", {})
    auth = options.pop("auth", None)
    cookies = options.pop("cookies", None)
    if cookies:
        options.setdefault("headers", {})["Cookie"] = "; ".join(
            f"{k}={v}" for k, v in cookies.items()
        )
    return await client.request(endpoint.method, endpoint.url(), auth=auth, **options)


# --- figures -----------------------------------------------------------------------------------


@dataclass
class Matrix:
    """Cells of the matrix run, by kind, for docs/reliability.md."""

    cells: Counter[str] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def matrix(request: pytest.FixtureRequest) -> Iterator[Matrix]:
    """The module's figures, written to the terminal at its end."""
    figures = Matrix()
    yield figures
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and figures.cells:
        total = sum(figures.cells.values())
        detail = ", ".join(f"{k} {v}" for k, v in sorted(figures.cells.items()))
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nAuth: {total} refused cases, 0 let in ({detail})")


# --- the matrix --------------------------------------------------------------------------------


def test_every_route_is_classified_and_the_matrix_covers_the_api() -> None:
    paths = {e.path for e in HTTP} | set(SOCKETS) | set(MOUNTS)
    assert set(PUBLIC) <= paths, set(PUBLIC) - paths  # no stale entries
    assert paths >= CRON_ROUTES | SIGNED_ROUTES | KEY_ONLY
    assert {"/api/v1/jobs", "/api/v1/sites/{site}", "/auth/token"} <= {e.path for e in PROTECTED}
    assert set(SOCKETS) == set(SOCKET_CONTROLS)  # every socket has its matrix below
    assert set(MOUNTS) <= set(PUBLIC)


@pytest.mark.parametrize("endpoint", PROTECTED, ids=lambda e: f"{e.method} {e.path}")
async def test_a_protected_route_refuses_every_wrong_credential(
    endpoint: Endpoint, matrix: Matrix, tmp_path: Path
) -> None:
    cases = wrong_credentials()
    if endpoint.path in KEY_ONLY:
        cases["a valid token (a token cannot buy a token)"] = bearer(signed())
    async with started(matrix_settings(tmp_path)) as (_, client):
        let_in = {}
        for name, options in cases.items():
            response = await call(client, endpoint, **options)
            if response.status_code != 401 or response.json()["error"]["code"] != "unauthorized":
                let_in[name] = (response.status_code, response.text[:120])
        with_key = await call(client, endpoint, headers={"X-API-Key": OTHER_KEY})
        with_token = await call(client, endpoint, **bearer(signed()))
    matrix.cells["http route × case"] += len(cases)
    assert let_in == {}
    assert with_key.status_code not in (401, 403), with_key.text  # control: the key opens it
    if endpoint.path not in KEY_ONLY:
        assert with_token.status_code not in (401, 403), with_token.text


async def test_public_routes_answer_without_a_credential(tmp_path: Path) -> None:
    """The public list is true: each answers something other than 401 with no credential."""
    async with started(matrix_settings(tmp_path)) as (_, client):
        for endpoint in [e for e in HTTP if e.path in PUBLIC]:
            response = await call(client, endpoint)
            assert response.status_code in (200, 404), (endpoint, response.status_code)
        assert (await client.get("/static/app.js")).status_code == 200


# Each WebSocket route, the concrete path tried, and the close code a caller who got in sees (the
# control): /ws/crawl refuses the crawl request that is not a URL, /ws/jobs/{id} knows no such job.
SOCKET_CONTROLS = {
    "/ws/crawl": ("/ws/crawl", 1008),
    "/ws/jobs/{job_id}": ("/ws/jobs/no-such-job", 4404),
}


@pytest.mark.parametrize("socket_route", sorted(SOCKET_CONTROLS))
async def test_the_websocket_refuses_every_wrong_credential(
    socket_route: str, matrix: Matrix, tmp_path: Path
) -> None:
    path, control = SOCKET_CONTROLS[socket_route]
    now = int(time.time())
    queries = {
        "no credentials": "",
        "wrong key": "api_key=wrong",
        "empty key": "api_key=",
        "key with a suffix": f"api_key={KEY}x",
        "key under another name": f"key={KEY}",
        "key as a token": f"token={KEY}",
        "token as a key": f"api_key={signed()}",
        "expired token": f"token={signed(iat=now - 3600, exp=now - 3300)}",
        "token signed with another secret": f"token={signed('not-the-secret-0123456789abcdef-0123')}",
        "alg=none token": f"token={unsigned_token()}",
        "HS384 token": f"token={signed(algorithm='HS384')}",
        "token for another audience": f"token={signed(aud='x')}",
        "token without an expiry": f"token={signed(exp=None)}",
    }
    with ServiceThread(create_app(matrix_settings(tmp_path))) as service:
        base = f"ws://127.0.0.1:{service.port}{path}"
        refused = {name: await ws_outcome(f"{base}?{q}") for name, q in queries.items()}
        cookie = await ws_outcome(base, {"Cookie": f"api_key={KEY}"})
        with_key = await ws_outcome(f"{base}?api_key={KEY}")
        with_header = await ws_outcome(base, {"X-API-Key": OTHER_KEY})
        with_token = await ws_outcome(f"{base}?token={signed()}")
    matrix.cells["websocket case"] += len(queries) + 1
    assert {n: o for n, o in refused.items() if o != 4401} == {}
    assert cookie == 4401
    assert with_key == with_header == with_token == control  # in, then the request refused


async def ws_outcome(url: str, headers: dict[str, str] | None = None) -> int:
    """The close code after sending a crawl request that is not a URL (4401: refused at the door)."""
    async with connect(url, additional_headers=headers) as ws:
        try:
            await ws.send(json.dumps({"url": "not a url"}))
            while True:
                await ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 0


# --- the cron secret -----------------------------------------------------------------------------


async def test_the_cron_route_takes_only_the_cron_secret_in_its_header(
    matrix: Matrix, tmp_path: Path
) -> None:
    cron = Endpoint("POST", "/internal/cron/recrawl")
    cases = wrong_credentials() | {
        "wrong cron secret": {"headers": {"X-Cron-Secret": "wrong"}},
        "empty cron secret": {"headers": {"X-Cron-Secret": ""}},
        "cron secret with a suffix": {"headers": {"X-Cron-Secret": CRON + "x"}},
        "cron secret prefix": {"headers": {"X-Cron-Secret": CRON[:-1]}},
        "an API key as the cron secret": {"headers": {"X-Cron-Secret": KEY}},
        "the cron secret as an API key": {"headers": {"X-API-Key": CRON}},
        "the cron secret in the query": {"params": {"cron_secret": CRON, "x-cron-secret": CRON}},
        "the cron secret as a bearer token": bearer(CRON),
        "a valid API key": {"headers": {"X-API-Key": KEY}},
        "a valid token": bearer(signed()),
    }
    async with started(matrix_settings(tmp_path)) as (_, client):
        let_in = {
            n: r.status_code
            for n, o in cases.items()
            if (r := await call(client, cron, **o)).status_code != 401
        }
        right = await call(client, cron, headers={"X-Cron-Secret": CRON})
    async with started(matrix_settings(tmp_path, cron_secret=None)) as (_, client):
        unset = [await call(client, cron, headers={"X-Cron-Secret": v}) for v in ("", "None", CRON)]
    matrix.cells["cron case"] += len(cases) + len(unset)
    assert let_in == {}
    assert right.status_code == 202, right.text  # control
    assert [r.status_code for r in unset] == [401, 401, 401]  # no secret set: never open


# --- webhook signatures --------------------------------------------------------------------------


def signature(secret: str, body: bytes) -> str:
    """The X-Llmstxt-Signature value of body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def test_the_webhook_checks_the_signature_of_the_exact_body(
    matrix: Matrix, tmp_path: Path
) -> None:
    body = json.dumps({"base_url": SITE_URL}).encode()
    other = json.dumps({"base_url": SITE_URL, "x": 1}).encode()
    unknown = json.dumps({"base_url": "https://unknown.example/"}).encode()
    good = signature(HOOK_SECRET, body)
    cases: dict[str, tuple[bytes, dict[str, str]]] = {
        "no signature": (body, {}),
        "empty signature": (body, {"X-Llmstxt-Signature": ""}),
        "wrong signature": (body, {"X-Llmstxt-Signature": "sha256=" + "0" * 64}),
        "signature without its prefix": (body, {"X-Llmstxt-Signature": good[7:]}),
        "signature in upper case": (body, {"X-Llmstxt-Signature": good.upper()}),
        "signature truncated": (body, {"X-Llmstxt-Signature": good[:-2]}),
        "signature of another body": (other, {"X-Llmstxt-Signature": good}),
        "signed with another secret": (body, {"X-Llmstxt-Signature": signature("nope", body)}),
        "signed with the API key": (body, {"X-Llmstxt-Signature": signature(KEY, body)}),
        "an API key instead": (body, {"X-API-Key": KEY}),
        "signature in the query header name": (body, {"X-Signature": good}),
        "unknown site (same answer as a bad signature)": (
            unknown,
            {"X-Llmstxt-Signature": signature(HOOK_SECRET, unknown)},
        ),
    }
    async with started(matrix_settings(tmp_path)) as (app, client):
        store = app.state.store
        await store.upsert_site(
            SiteRecord(site="hooked.example", base_url=SITE_URL, webhook_secret=HOOK_SECRET)
        )
        let_in = {}
        for name, (content, headers) in cases.items():
            r = await client.post("/internal/hooks/site-changed", content=content, headers=headers)
            if r.status_code != 401:
                let_in[name] = r.status_code
        first = await client.post(
            "/internal/hooks/site-changed", content=body, headers={"X-Llmstxt-Signature": good}
        )
        due = (await store.get_site("hooked.example")).next_crawl_at
        replay = await client.post(
            "/internal/hooks/site-changed", content=body, headers={"X-Llmstxt-Signature": good}
        )
        jobs = await store.list_jobs(limit=10)
    matrix.cells["webhook case"] += len(cases)
    assert let_in == {}
    assert first.status_code == 202, first.text  # control: the right signature is accepted
    assert due is not None and due <= time.time()
    # A replay is accepted: the signature covers only the body. It is idempotent — it marks the
    # site due, nothing more; no crawl starts until the cron claims it.
    assert replay.status_code == 202 and jobs == []


# --- constant-time comparisons -------------------------------------------------------------------


async def test_secrets_are_compared_in_constant_time_and_every_key_is_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every comparison of a key, cron secret or signature goes through hmac.compare_digest,
    and a key is compared with every configured key (no early exit that times which one matched)."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    settings = matrix_settings(tmp_path, api_keys=(KEY, OTHER_KEY, "third-key"))
    async with started(settings) as (app, client):
        await app.state.store.upsert_site(
            SiteRecord(site="hooked.example", base_url=SITE_URL, webhook_secret=HOOK_SECRET)
        )
        first_key = await client.get("/api/v1/sites", headers={"X-API-Key": KEY})
        key_calls, calls[:] = list(calls), []
        await client.post("/internal/cron/recrawl", headers={"X-Cron-Secret": "wrong"})
        cron_calls, calls[:] = list(calls), []
        await client.post(
            "/internal/hooks/site-changed",
            content=json.dumps({"base_url": SITE_URL}).encode(),
            headers={"X-Llmstxt-Signature": "sha256=00"},
        )
        hook_calls = list(calls)
    assert first_key.status_code == 200
    assert [b for _, b in key_calls] == [KEY.encode(), OTHER_KEY.encode(), b"third-key"]
    assert cron_calls == [(b"wrong", CRON.encode())]
    body = json.dumps({"base_url": SITE_URL}).encode()
    assert hook_calls == [(b"sha256=00", signature(HOOK_SECRET, body).encode())]
