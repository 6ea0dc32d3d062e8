"""SSRF: hostile URLs through every entry point that takes one (REST jobs, site enrollment, the
WebSocket, the cron recrawl of an enrolled site) never reach a non-public address.

The sensors (tests/harden/sec_support.py): a canary listener on 127.0.0.1 and [::1] that counts
connections, and an audit hook that sees every socket.connect of the process (and refuses any that
would leave loopback). Names resolve through a resolver override, never through real DNS.

Part A runs the service with DEFAULT settings: every vector must be refused at submission with a
4xx and a clear error, or (DNS rebinding) accepted and then stopped by the guard before any dial.
Part B needs a crawl to start, so one loopback address, 127.0.0.2, stands in for "the public
internet" (`allowed_cidrs=127.0.0.2/32`, the only setting changed): a public-looking site there
redirects, links and points sitemaps at forbidden addresses; only dials to that stand-in are allowed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
from aiohttp import web
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from llmstxt.service.app import create_app
from llmstxt.service.settings import Settings
from tests.functional.test_api_support import api_client, wait_for_job
from tests.harden.sec_support import (
    Canary,
    DialTap,
    FakeDNS,
    ServiceThread,
    free_port_on,
    rebinding,
)
from tests.sites.serve import BackgroundServer

pytestmark = pytest.mark.harden

KEY = "harden-ssrf-key"
CRON = "harden-cron-secret"
PUBLIC_IP = "93.184.216.34"  # resolver answer for "public" names; never dialled (the tap refuses)
STAND_IN = "127.0.0.2"  # part B's stand-in for the public internet

# --- the vectors -------------------------------------------------------------------------------
# {P} is the canary's port. Part A: default settings; expected refused at submission, except the
# rebinding vectors, which are accepted (the first answer is public) and must be stopped by the guard.

LOOPBACK = [
    "http://127.0.0.1:{P}/",
    "http://127.1:{P}/",
    "http://0177.1:{P}/",
    "http://0x7f000001:{P}/",
    "http://2130706433:{P}/",
    "http://017700000001:{P}/",
    "http://0177.0.0.1:{P}/",
    "http://0x7f.0.0.1:{P}/",
    "http://127.000.000.001:{P}/",
    "http://127.0.0.1.:{P}/",
    "http://127.255.255.254:{P}/",
    "HTTP://127.0.0.1:{P}/",
    "  http://127.0.0.1:{P}/  ",
    "http://①②⑦.⓪.⓪.①:{P}/",  # IDNA folds these to 127.0.0.1
    "http://１２７．０．０．１:{P}/",  # fullwidth digits and dots
    "http://[::1]:{P}/",
    "http://[0:0:0:0:0:0:0:1]:{P}/",
    "http://[::ffff:127.0.0.1]:{P}/",
    "http://[::ffff:7f00:1]:{P}/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:{P}/",
    "http://[64:ff9b::7f00:1]:{P}/",  # NAT64
    "http://[2002:7f00:1::]:{P}/",  # 6to4
    "http://localhost:{P}/",
    "http://LOCALHOST.:{P}/",
    "http://127.0.0.1.nip.io:{P}/",
    "http://localtest.me:{P}/",
    "http://mapped.example:{P}/",  # resolves to ::ffff:127.0.0.1
]
UNSPECIFIED = [
    "http://0.0.0.0:{P}/",
    "http://0:{P}/",
    "http://[::]:{P}/",
    "http://zero.example:{P}/",
]
PRIVATE = [
    "http://10.0.0.1/",
    "http://10.255.255.254:8080/",
    "http://012.0.0.1/",  # octal 10.0.0.1
    "http://172.16.0.1/",
    "http://172.31.255.254/",
    "http://192.168.0.1/",
    "http://192.168.1.254:8443/",
    "http://3232235777/",  # decimal 192.168.1.1
    "http://100.64.0.1/",  # CGNAT
    "http://100.127.255.254/",
    "http://[fc00::1]/",
    "http://[fd12:3456:789a::1]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25lo]:{P}/",
    "http://[::ffff:10.0.0.1]/",
    "http://198.18.0.1/",  # benchmarking range
    "http://224.0.0.1/",  # multicast
    "http://255.255.255.255/",
]
METADATA = [
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254:80/latest/api/token",
    "http://2852039166/latest/meta-data/",  # decimal
    "http://0xa9fea9fe/latest/meta-data/",  # hex
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://0251.0376.0251.0376/latest/meta-data/",  # octal
    "http://0251.254.169.254/",
    "http://169.254.169.254.nip.io/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://169.254.170.2/v2/credentials",  # ECS task credentials
]
NAMES = [
    "http://internal.corp.example/",
    "http://router.example/",
    "http://k8s.example/",
    "http://cgnat.example/",
    "http://ec2v6.example/",
    "http://v6private.example/",
    "http://mixed.example/",  # one public and one private answer
]
SCHEMES = [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "gopher://127.0.0.1:{P}/_GET%20/",
    "ftp://127.0.0.1:{P}/",
    "dict://127.0.0.1:{P}/info",
    "ldap://127.0.0.1:{P}/",
    "ws://127.0.0.1:{P}/",
    "jar:http://127.0.0.1:{P}/!/",
    "data:text/html,<a href='http://127.0.0.1:{P}/'>x</a>",
    "javascript:fetch('http://127.0.0.1:{P}/')",
    "//127.0.0.1:{P}/",
    "127.0.0.1:{P}",
]
TRICKS = [
    "http://public.example@127.0.0.1:{P}/",
    "http://public.example:80@127.0.0.1:{P}/",
    "http://user:pass@[::1]:{P}/",
    "http://127.0.0.1:{P}#@public.example/",
    "http://127.0.0.1:{P}?@public.example/",
    "http://public.example\\@127.0.0.1:{P}/",
    "http://127.0.0.1:{P}/\\@public.example/",
]
PORTS = [
    "http://127.0.0.1:22/",
    "http://127.0.0.1:0/",
    "http://127.0.0.1:65535/",
    "http://10.0.0.1:6379/",
    "https://127.0.0.1:{P}/",
    "http://127.0.0.1:99999/",
]
REBINDING = ["http://rebind-first.example/", "http://rebind-first.example:{P}/"]

PART_A = LOOPBACK + UNSPECIFIED + PRIVATE + METADATA + NAMES + SCHEMES + TRICKS + PORTS + REBINDING


def part_a_dns(port: int) -> FakeDNS:
    """The resolver of part A: names that resolve to non-public addresses, and a rebinding one."""
    del port
    return FakeDNS(
        {
            "localhost": ["127.0.0.1", "::1"],
            "127.0.0.1.nip.io": ["127.0.0.1"],
            "localtest.me": ["127.0.0.1"],
            "mapped.example": ["::ffff:127.0.0.1"],
            "zero.example": ["0.0.0.0"],
            "169.254.169.254.nip.io": ["169.254.169.254"],
            "metadata.google.internal": ["169.254.169.254"],
            "internal.corp.example": ["10.1.2.3"],
            "router.example": ["192.168.0.1"],
            "k8s.example": ["172.20.0.10"],
            "cgnat.example": ["100.64.1.1"],
            "ec2v6.example": ["fd00:ec2::254"],
            "v6private.example": ["fd12:3456:789a::1"],
            "mixed.example": [PUBLIC_IP, "10.0.0.5"],
            "public.example": [PUBLIC_IP],
            "rebind-first.example": rebinding([PUBLIC_IP], ["127.0.0.1"]),
        }
    )


# --- fixtures ----------------------------------------------------------------------------------


@dataclass
class Sensors:
    """What a test watches: the canary, the dial tap and the resolver override."""

    canary: Canary
    tap: DialTap
    dns: FakeDNS
    allowed: set[tuple[str, int]]

    @property
    def port(self) -> int:
        """The canary's port, which the {P} of a vector names."""
        return self.canary.port

    def breaches(self) -> list[Any]:
        """Dials to anything but the allowed stand-in, plus connections the canary accepted."""
        return [*self.tap.breaches(self.allowed), *(["canary"] * self.canary.accepted)]


class Tally:
    """The figures of the suite, written to the terminal at the end of the module."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.reached = 0

    def add(self, outcome: str, breaches: int) -> None:
        """Count one vector tried on one channel."""
        self.outcomes[outcome] += 1
        self.reached += 1 if breaches else 0

    def line(self) -> str:
        """The figure: vectors tried / reached, and how they were stopped."""
        tried = sum(self.outcomes.values())
        detail = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return f"SSRF: {tried} vector runs tried, {self.reached} reached ({detail})"


def report_figure(config: pytest.Config, line: str) -> None:
    """Write a figure line to the terminal, past output capturing."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not line:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("\n" + line)


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    """The module's figures, reported when it ends."""
    figures = Tally()
    yield figures
    report_figure(request.config, figures.line() if figures.outcomes else "")


@pytest.fixture
def canary() -> Iterator[Canary]:
    """The canary listener, on a port also free on the stand-in address."""
    port = free_port_on("127.0.0.1", "::1", STAND_IN)
    listener = Canary(port)
    yield listener
    listener.close()


@pytest.fixture
def sensors(canary: Canary, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sensors]:
    """Part A's sensors, armed: DEFAULT settings, so no dial at all is allowed."""
    for name in [n for n in __import__("os").environ if n.startswith("LLMSTXT_")]:
        monkeypatch.delenv(name)
    dns = part_a_dns(canary.port)
    monkeypatch.setattr("socket.getaddrinfo", dns.getaddrinfo)
    with DialTap.get().armed_for() as tap:
        yield Sensors(canary, tap, dns, set())


def default_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """The service's default settings, with a key and a local store under tmp_path."""
    return Settings(store="local", data_dir=tmp_path / "data", api_keys=(KEY,), **overrides)


# --- running a vector through an entry point ---------------------------------------------------


def vector_url(template: str, port: int) -> str:
    """The vector with the canary's port filled in."""
    return template.replace("{P}", str(port))


async def through_api(client: httpx2.AsyncClient, url: str, **body: Any) -> tuple[str, str]:
    """Submit url as a job; ("refused", message) or the final job status and error."""
    response = await client.post("/api/v1/jobs", json={"url": url, "maxPages": 5} | body)
    assert response.status_code < 500, response.text
    if response.status_code != 202:
        assert 400 <= response.status_code < 500
        error = response.json()["error"]
        assert error["code"] in ("blocked_address", "invalid_input", "invalid_request"), error
        assert error["message"], error
        return "refused", str(error["message"])
    job = await wait_for_job(client, response.json()["id"], timeout=60)
    return f"crawled:{job['status']}", str(job["error"])


async def through_ws(base: str, url: str) -> tuple[str, str]:
    """Send url as the first WebSocket message; ("refused", message) or the job's final message."""
    async with connect(f"{base}/ws/crawl?api_key={KEY}") as ws:
        await ws.send(json.dumps({"url": url, "maxPages": 5}))
        first = json.loads(await ws.recv())
        if first["type"] == "error":
            assert first["content"], first
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
            return "refused", str(first["content"])
        assert first["type"] == "job", first
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "error":
                return "crawled:failed", str(message["content"])
            if message["type"] == "url":
                return "crawled:succeeded", ""


def assert_stopped(outcome: str, rebinding_vector: bool, sensors: Sensors, detail: str) -> None:
    """Refused at submission (or, for rebinding, stopped in the crawl), and nothing reached."""
    assert sensors.breaches() == [], (outcome, detail)
    if rebinding_vector:
        assert outcome in ("refused", "crawled:failed"), (outcome, detail)
    else:
        assert outcome == "refused", (outcome, detail)


# --- part A: default settings, REST and WebSocket ----------------------------------------------


@pytest.mark.parametrize("template", PART_A)
async def test_rest_job_submission_refuses_the_vector(
    template: str, sensors: Sensors, tally: Tally, tmp_path: Path
) -> None:
    url = vector_url(template, sensors.port)
    async with api_client(default_settings(tmp_path), key=KEY) as client:
        outcome, detail = await through_api(client, url, enableAutoUpdate=True)
        sites = (await client.get("/api/v1/sites")).json()["sites"]
    tally.add("api " + outcome, len(sensors.breaches()))
    assert_stopped(outcome, template in REBINDING, sensors, detail)
    assert sites == []  # nothing was enrolled


@pytest.mark.parametrize("template", PART_A)
async def test_websocket_refuses_the_vector(
    template: str, sensors: Sensors, tally: Tally, tmp_path: Path
) -> None:
    url = vector_url(template, sensors.port)
    with ServiceThread(create_app(default_settings(tmp_path))) as service:
        sensors.allowed.add(service.address)  # the test's own client dialling the service
        outcome, detail = await through_ws(f"ws://127.0.0.1:{service.port}", url)
    tally.add("ws " + outcome, len(sensors.breaches()))
    assert_stopped(outcome, template in REBINDING, sensors, detail)


async def test_the_webhook_takes_a_url_but_never_fetches_it(
    sensors: Sensors, tally: Tally, tmp_path: Path
) -> None:
    """POST /internal/hooks/site-changed names a site by URL: unknown sites are refused, unsigned."""
    async with api_client(default_settings(tmp_path), key=KEY) as client:
        for template in PART_A:
            body = {"base_url": vector_url(template, sensors.port)}
            response = await client.post("/internal/hooks/site-changed", json=body)
            assert response.status_code in (401, 422), (template, response.text)
            assert response.json()["error"]["message"]
            tally.add("webhook refused", len(sensors.breaches()))
        assert (await client.get("/api/v1/sites")).json()["sites"] == []
    assert sensors.breaches() == []


def test_part_a_has_at_least_forty_vectors_of_every_kind() -> None:
    kinds = [LOOPBACK, UNSPECIFIED, PRIVATE, METADATA, NAMES, SCHEMES, TRICKS, PORTS, REBINDING]
    assert len(set(PART_A)) == len(PART_A) >= 40
    assert all(kinds)


# --- part B: a public-looking site (the stand-in) that points at forbidden addresses -------------


class StandIn(BackgroundServer):
    """The test's "public internet": an aiohttp app on 127.0.0.2:port, answering by Host header."""

    def __init__(self, port: int) -> None:
        self.hits: Counter[str] = Counter()
        super().__init__(self._app, port)

    async def _start(self) -> None:
        """Bind on the stand-in address instead of 127.0.0.1."""
        self._runner = web.AppRunner(self._app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, STAND_IN, self._port).start()
        self.port = self._port

    def _app(self) -> web.Application:
        """Every path of every host goes to one handler."""
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """What each hostile host serves; any other host is a small, well-behaved site."""
        host = (request.host or "").rsplit(":", 1)[0]
        self.hits[host] += 1
        label = host.split(".")[0]
        behaviour = HOSTILE.get(label)
        answer = behaviour(request.path, self._port) if behaviour else None
        if answer is None:
            return normal_page(request.path)
        status, location, text = answer
        if location:
            return web.Response(status=status, headers={"Location": location})
        kind = "application/xml" if request.path.endswith(".xml") else "text/plain"
        kind = "text/html" if text.startswith("<html") else kind
        return web.Response(status=status, text=text, content_type=kind)


def normal_page(path: str) -> web.StreamResponse:
    """A small site: robots allows all, no sitemap, three linked pages."""
    if path == "/robots.txt":
        return web.Response(text="User-agent: *\nAllow: /\n")
    if path not in ("/", "/a", "/b"):
        return web.Response(status=404, text="not found")
    body = (
        f"<html><head><title>Stand-in {path}</title></head><body><main><h1>Page {path}</h1>"
        "<p>A public-looking documentation page with enough words to be kept as a page.</p>"
        '<a href="/a">A</a> <a href="/b">B</a></main></body></html>'
    )
    return web.Response(text=body, content_type="text/html")


Answer = tuple[int, str, str] | None  # (status, Location or "", body) or None: a normal page


def links_page(path: str, port: int) -> Answer:
    """A page whose links, canonical, Markdown twin, refresh and <base> all name loopback."""
    if path != "/":
        return None
    lo = f"http://127.0.0.1:{port}"
    html = (
        f'<html><head><title>Links</title><base href="{lo}/"><link rel="canonical" href="{lo}/">'
        f'<link rel="alternate" type="text/markdown" href="{lo}/index.md">'
        f'<meta http-equiv="refresh" content="0;url={lo}/"></head><body><main>'
        "<p>A page that links to every private address it can think of, to lure the crawler.</p>"
        f'<a href="{lo}/x">x</a> <a href="http://[::1]:{port}/">v6</a> <a href="a">rel</a>'
        f'<a href="http://localhost:{port}/">l</a> <a href="http://169.254.169.254/">m</a>'
        "</main></body></html>"
    )
    return 200, "", html


def sitemap_lines(path: str, port: int) -> Answer:
    """robots.txt names sitemaps on loopback, metadata and a private name."""
    if path != "/robots.txt":
        return None
    lines = [
        f"http://127.0.0.1:{port}/s.xml",
        f"http://[::1]:{port}/s.xml",
        f"http://0x7f000001:{port}/s.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.corp.example/s.xml",
    ]
    return 200, "", "User-agent: *\nAllow: /\n" + "".join(f"Sitemap: {u}\n" for u in lines)


def sitemap_index(path: str, port: int) -> Answer:
    """A sitemap index whose children, and a sitemap whose pages, are private."""
    if path != "/sitemap.xml":
        return None
    children = [
        f"http://127.0.0.1:{port}/c.xml",
        "http://10.0.0.1/c.xml",
        "http://[fd00:ec2::254]/",
    ]
    pages = [f"http://127.0.0.1:{port}/", "http://192.168.0.1/"]
    index = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in children)
    urls = "".join(f"<url><loc>{u}</loc></url>" for u in pages)
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    return 200, "", f"<sitemapindex {ns}>{index}</sitemapindex><urlset {ns}>{urls}</urlset>"


def hop(target: str, paths: tuple[str, ...] = ("/",), status: int = 302) -> Any:
    """A behaviour that redirects the given paths to target ({P}: the canary's port)."""

    def answer(path: str, port: int) -> Answer:
        return (status, vector_url(target, port), "") if path in paths else None

    return answer


def www_hop(path: str, port: int) -> Answer:
    """Every path moves to the www. variant of the site, whose name resolves to 127.0.0.1."""
    return 301, f"http://www.www-hop.public.example:{port}{path}", ""


HOSTILE: dict[str, Any] = {
    "robots-hop": hop("http://127.0.0.1:{P}/robots.txt", ("/robots.txt",)),
    "robots-meta": hop("http://169.254.169.254/latest/meta-data/", ("/robots.txt",)),
    "robots-named": hop("http://internal.corp.example/robots.txt", ("/robots.txt",)),
    "robots-v6": hop("http://[::1]:{P}/robots.txt", ("/robots.txt",), 307),
    "page-hop": hop("http://127.0.0.1:{P}/"),
    "meta-hop": hop("http://169.254.169.254/latest/meta-data/", status=307),
    "proto-rel": hop("//127.0.0.1:{P}/"),
    "mapped-hop": hop("http://[::ffff:127.0.0.1]:{P}/", status=308),
    "decimal-hop": hop("http://2130706433:{P}/", status=301),
    "deep-hop": hop("http://0x7f000001:{P}/", ("/a",)),
    "named-hop": hop("http://internal.corp.example:{P}/", ("/", "/robots.txt")),
    "scheme-hop": hop("file:///etc/passwd", ("/", "/robots.txt")),
    "gopher-hop": hop("gopher://127.0.0.1:{P}/_x", ("/",)),
    "www-hop": www_hop,
    "links": links_page,
    "sitemaps": sitemap_lines,
    "sitemap-index": sitemap_index,
}
PART_B = [f"http://{label}.public.example:{{P}}/" for label in HOSTILE] + [
    "http://rebind.public.example:{P}/",  # answers: stand-in, stand-in, then 127.0.0.1
    "http://rebind-late.public.example:{P}/",  # answers: stand-in four times, then 127.0.0.1
    "http://dual.public.example:{P}/",  # answers: stand-in and 127.0.0.1 at once
    "http://127.0.0.1%2f@tricks.public.example:{P}/",  # userinfo "127.0.0.1/" : host is public
    "http://127.0.0.1:{P}\\@tricks.public.example:{P}/",
]


def part_b_dns() -> FakeDNS:
    """Part A's names, every *.public.example on the stand-in, and the hostile exceptions."""
    dns = part_a_dns(0)
    for label in [*HOSTILE, "docs", "tricks", "later"]:
        dns.table[f"{label}.public.example"] = [STAND_IN]
    dns.table["www.www-hop.public.example"] = ["127.0.0.1"]
    dns.table["rebind.public.example"] = rebinding([STAND_IN], [STAND_IN], ["127.0.0.1"])
    dns.table["rebind-late.public.example"] = rebinding(*[[STAND_IN]] * 4, ["127.0.0.1"])
    dns.table["dual.public.example"] = [STAND_IN, "127.0.0.1"]
    return dns


@dataclass
class World:
    """Part B: the sensors, plus the stand-in site the vectors start at."""

    sensors: Sensors
    stand_in: StandIn


@pytest.fixture
def world(canary: Canary, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The stand-in on the canary's port number at 127.0.0.2, and the armed sensors."""
    for name in [n for n in __import__("os").environ if n.startswith("LLMSTXT_")]:
        monkeypatch.delenv(name)
    dns = part_b_dns()
    monkeypatch.setattr("socket.getaddrinfo", dns.getaddrinfo)
    stand_in = StandIn(canary.port)
    with stand_in, DialTap.get().armed_for() as tap:
        yield World(Sensors(canary, tap, dns, {(STAND_IN, canary.port)}), stand_in)


def stand_in_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Default settings but for the one allowlisted stand-in address (and a cron secret)."""
    return default_settings(
        tmp_path, allowed_cidrs=(f"{STAND_IN}/32",), cron_secret=CRON, **overrides
    )


def served(world: World, url: str) -> int:
    """Requests the stand-in answered for the vector's host (as the service parses it)."""
    return world.stand_in.hits[urlsplit(url).hostname or ""]


@pytest.mark.parametrize("template", PART_B)
async def test_a_public_looking_site_cannot_lead_the_rest_crawl_to_a_private_address(
    template: str, world: World, tally: Tally, tmp_path: Path
) -> None:
    url = vector_url(template, world.sensors.port)
    async with api_client(stand_in_settings(tmp_path), key=KEY) as client:
        outcome, detail = await through_api(client, url)
    tally.add("api " + outcome, len(world.sensors.breaches()))
    assert world.sensors.breaches() == [], (outcome, detail)
    if "dual." in template:
        assert outcome == "refused"
    else:
        assert outcome.startswith("crawled:")
        assert served(world, vector_url(template, world.sensors.port)) >= 1  # the lure was served


@pytest.mark.parametrize("template", PART_B)
async def test_a_public_looking_site_cannot_lead_the_websocket_crawl_to_a_private_address(
    template: str, world: World, tally: Tally, tmp_path: Path
) -> None:
    url = vector_url(template, world.sensors.port)
    with ServiceThread(create_app(stand_in_settings(tmp_path))) as service:
        world.sensors.allowed.add(service.address)
        outcome, detail = await through_ws(f"ws://127.0.0.1:{service.port}", url)
    tally.add("ws " + outcome, len(world.sensors.breaches()))
    assert world.sensors.breaches() == [], (outcome, detail)
    expected = "refused" if "dual." in template else "crawled:"
    assert outcome.startswith(expected), (outcome, detail)


async def test_rebinding_after_the_check_dials_the_checked_address(
    world: World, tmp_path: Path
) -> None:
    """Third answer private: a dial that re-resolved the name would reach the canary."""
    url = f"http://rebind.public.example:{world.sensors.port}/"
    async with api_client(stand_in_settings(tmp_path), key=KEY) as client:
        outcome, _ = await through_api(client, url)
    assert world.sensors.breaches() == []
    assert world.stand_in.hits["rebind.public.example"] >= 1
    assert world.sensors.dns.lookups.count("rebind.public.example") >= 2
    assert outcome.startswith("crawled:")


async def test_an_enrolled_site_whose_name_turns_private_is_not_recrawled_there(
    world: World, tmp_path: Path
) -> None:
    """Enrolment, then the DNS answer changes; the webhook + cron recrawl must not follow it."""
    url = f"http://later.public.example:{world.sensors.port}/"
    async with api_client(stand_in_settings(tmp_path), key=KEY) as client:
        outcome, detail = await through_api(client, url, enableAutoUpdate=True)
        assert outcome == "crawled:succeeded", detail
        site = (await client.get("/api/v1/sites")).json()["sites"][0]["site"]
        secret = (await client.get(f"/api/v1/sites/{site}")).json()["webhook_secret"]
        served_before = world.stand_in.hits["later.public.example"]
        world.sensors.dns.table["later.public.example"] = ["127.0.0.1"]
        body = json.dumps({"base_url": url}).encode()
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        hook = await client.post(
            "/internal/hooks/site-changed",
            content=body,
            headers={"X-Llmstxt-Signature": signature, "Content-Type": "application/json"},
        )
        assert hook.status_code == 202, hook.text
        cron = await client.post("/internal/cron/recrawl", headers={"X-Cron-Secret": CRON})
        assert cron.json()["claimed"] == 1, cron.text
        recrawl = await newest_job_when_done(client, site, after=1)
    assert recrawl["status"] == "failed"
    assert world.sensors.breaches() == []
    assert world.stand_in.hits["later.public.example"] == served_before


async def newest_job_when_done(client: httpx2.AsyncClient, site: str, after: int) -> dict[str, Any]:
    """The site's newest job once there are more than `after` jobs and it has finished."""
    async with asyncio.timeout(60):
        while True:
            jobs = (await client.get("/api/v1/jobs", params={"site": site})).json()["jobs"]
            if len(jobs) > after:
                return await wait_for_job(client, jobs[0]["id"], timeout=60)
            await asyncio.sleep(0.05)


# --- controls: the sensors do see a breach, and a normal public site crawls ---------------------


async def test_control_the_stand_in_site_crawls_and_only_the_stand_in_is_dialled(
    world: World, tmp_path: Path
) -> None:
    url = f"http://docs.public.example:{world.sensors.port}/"
    async with api_client(stand_in_settings(tmp_path), key=KEY) as client:
        outcome, detail = await through_api(client, url)
    assert outcome == "crawled:succeeded", detail
    assert world.stand_in.hits["docs.public.example"] >= 3  # robots, /, /a, /b
    assert world.sensors.tap.dials and world.sensors.breaches() == []


async def test_control_with_private_networks_allowed_the_sensors_see_the_breach(
    sensors: Sensors, tmp_path: Path
) -> None:
    """Proof the suite can fail: turn the guard off and the same vectors are caught reaching."""
    settings = default_settings(tmp_path, allow_private_networks=True)
    async with api_client(settings, key=KEY) as client:
        await through_api(client, f"http://127.0.0.1:{sensors.port}/")
        await through_api(client, "http://10.0.0.1/")
    assert sensors.canary.accepted >= 1
    dialled = {d.host for d in sensors.tap.breaches()}
    assert {"127.0.0.1", "10.0.0.1"} <= dialled  # the 10.0.0.1 dial was refused by the tap
