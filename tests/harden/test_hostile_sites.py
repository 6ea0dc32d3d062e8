"""Hostile sites (issue #6, suite 2): each trap on a real loopback server, crawled by the CLI.

Each crawl runs as a child process (`python -m llmstxt.cli generate`) so its peak RSS is its own
(VmHWM, sampled); it must end within its bounds, write a report.json that names what went
wrong, and stay under MAX_RSS_MB. The figures are printed (pytest -s) for docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.sites import hostile
from tests.sites.serve import BackgroundServer

pytestmark = pytest.mark.harden

MAX_RSS_MB = 300  # generous: an ordinary 100-page crawl peaks well under half of this
WALL_BOUND_S = 90.0  # the child is killed past this; every crawl must end well before
DEADLINE_S = 30  # --deadline of each crawl
TIMEOUT_S = 2  # --timeout per request: the slowloris is cut after this
MAX_PAGES = 100


@dataclass
class Crawl:
    """One CLI crawl of a trap: exit code, report, peak RSS, wall time, and the server's view."""

    site: hostile.HostileSite
    code: int
    report: dict[str, Any]
    rss_mb: float
    wall_s: float
    stderr: str
    out: Path

    def row(self, path: str) -> dict[str, Any]:
        """The report's row for a path."""
        return next(r for r in self.report["urls"] if r["url"].endswith(path))


FIGURES: dict[str, Crawl] = {}  # trap -> its crawl, for the printed figures


def high_water_mb(pid: int) -> float:
    """VmHWM (peak RSS of the process's own address space since its exec) of pid and its
    children, the largest, in MB; 0 once gone. ru_maxrss would not do: a child forked from this
    big test process starts with the parent's high-water mark."""
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    peak = 0
    for proc in procs:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak / 1024


def run_cli(args: list[str], bound: float) -> tuple[int, float, float, str]:
    """Run the CLI; (exit code, peak RSS MB, wall seconds, stderr). Killed after bound seconds."""
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmstxt.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=os.environ | {"NO_COLOR": "1", "COLUMNS": "200"},
    )
    peak = 0.0

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None and time.monotonic() - began < bound:
            peak = max(peak, high_water_mb(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stderr is not None
    with proc.stderr:
        try:
            stderr = proc.communicate(timeout=bound)[1].decode(errors="replace")
        except subprocess.TimeoutExpired:
            proc.kill()
            stderr = proc.communicate()[1].decode(errors="replace")
    sampler.join(timeout=5)
    return proc.returncode, peak, time.monotonic() - began, stderr


def crawl(trap: str, tmp_path: Path, *extra: str) -> Crawl:
    """Serve trap on loopback and crawl it with the CLI."""
    site = hostile.HostileSite(trap)
    out = tmp_path / "out"
    with BackgroundServer(site.app) as server:
        args = ["generate", server.base + "/", "--out", str(out), "--max-pages", str(MAX_PAGES)]
        args += ["--timeout", str(TIMEOUT_S), "--deadline", str(DEADLINE_S), *extra]
        code, rss, wall, stderr = run_cli(args, WALL_BOUND_S)
    report_path = out / "report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    result = Crawl(site, code, report, rss, wall, stderr, out)
    FIGURES[trap] = result
    print(
        f"\n[hostile] {trap}: exit {code}, peak RSS {rss:.0f} MB, wall {wall:.1f} s, "
        f"errors {report.get('errors')}, skipped {report.get('pages', {}).get('skipped')}, "
        f"requests {report.get('requests')}, bytes {report.get('bytes')}"
    )
    assert wall < WALL_BOUND_S, f"{trap}: the crawl did not end in {WALL_BOUND_S} s"
    assert rss < MAX_RSS_MB, f"{trap}: peak RSS {rss:.0f} MB"
    return result


def succeeded(c: Crawl) -> None:
    """The crawl exited 0, kept the ordinary pages, and wrote a valid llms.txt."""
    assert c.code == 0, c.stderr
    assert c.report["deadline_hit"] is False
    assert c.row("/ok.html")["kept"] is True
    text = (c.out / "llms.txt").read_bytes().decode("utf-8")  # strict: never invalid UTF-8
    from llmstxt.validate import validate

    assert validate(text) == []


def test_redirect_loop_and_endless_chain(tmp_path: Path) -> None:
    c = crawl("redirect_loop", tmp_path)
    succeeded(c)
    assert c.row("/loop/a.html")["error"] == "redirect_loop"
    assert c.row("/chain/0.html")["error"] == "too_many_redirects"
    assert c.site.hits["/loop/a.html"] + c.site.hits["/loop/b.html"] <= 4 * 2  # per attempt: a, b
    assert sum(n for p, n in c.site.hits.items() if p.startswith("/chain/")) <= 12


def test_calendar_trap_of_ten_thousand_urls(tmp_path: Path) -> None:
    c = crawl("calendar", tmp_path)
    succeeded(c)
    pages = c.report["pages"]
    assert pages["found"] > hostile.CALENDAR_DAYS  # every day was seen...
    assert pages["fetched"] <= MAX_PAGES  # ...few were fetched
    assert pages["skipped"]["max_pages"] >= hostile.CALENDAR_DAYS - MAX_PAGES
    assert sum(n for p, n in c.site.hits.items() if p.startswith("/calendar/")) <= MAX_PAGES


def test_one_gigabyte_body(tmp_path: Path) -> None:
    c = crawl("huge_body", tmp_path)
    succeeded(c)
    assert c.row("/huge.html")["error"] == "too_large"
    assert c.site.bytes_sent["/huge.html"] < hostile.HUGE_BYTES // 10  # refused, not downloaded


def test_gzip_bomb(tmp_path: Path) -> None:
    c = crawl("gzip_bomb", tmp_path)
    succeeded(c)
    assert c.report["errors"] == {"too_large": 8}  # eight bombs, in flight together


def test_slowloris_one_byte_a_second(tmp_path: Path) -> None:
    c = crawl("slowloris", tmp_path)
    succeeded(c)
    assert c.row("/slow.html")["error"] == "timeout"
    assert c.site.bytes_sent["/slow.html"] <= 2 * (TIMEOUT_S + 1)


def test_endless_chunked_body(tmp_path: Path) -> None:
    c = crawl("endless_chunked", tmp_path)
    succeeded(c)
    assert c.row("/endless.html")["error"] == "too_large"
    assert c.site.bytes_sent["/endless.html"] < hostile.ENDLESS_BYTES // 100


def test_invalid_utf8(tmp_path: Path) -> None:
    c = crawl("invalid_utf8", tmp_path)
    succeeded(c)
    assert c.row("/bad-utf8.html")["kept"] is True
    assert c.report["errors"] == {}
    assert "Broken" in (c.out / "llms-full.txt").read_bytes().decode("utf-8")


def test_fifty_megabyte_robots_txt(tmp_path: Path) -> None:
    """RFC 9309 2.5: the first 500 KiB are parsed; a huge robots.txt is no reason to give up."""
    c = crawl("robots_huge", tmp_path)
    succeeded(c)
    assert c.row("/private/secret.html")["skipped"] == "robots"  # its first lines were obeyed
    assert c.site.hits["/private/secret.html"] == 0
    # The crawler read about the first 500 KiB of it (every response it took counts in "bytes") and
    # hung up: the server got some megabytes more into the kernel's socket buffers, never the 50 MB.
    assert c.report["bytes"] < 2 * 1024**2
    assert c.site.bytes_sent["/robots.txt"] < hostile.ROBOTS_BYTES // 2


def test_recursive_sitemap_indexes(tmp_path: Path) -> None:
    c = crawl("sitemap_recursion", tmp_path)
    succeeded(c)
    assert c.row("/from-sitemap.html")["kept"] is True
    sitemap_hits = {p: n for p, n in c.site.hits.items() if p.startswith(("/sitemap", "/sm/"))}
    assert max(sitemap_hits.values()) == 1  # a cycle never refetches a sitemap
    assert sum(sitemap_hits.values()) <= 50  # the endless fan stops at the file limit


def test_server_errors_then_recovery(tmp_path: Path) -> None:
    c = crawl("errors_then_recovery", tmp_path)
    succeeded(c)
    assert c.row("/flaky.html")["kept"] is True
    assert c.report["errors"] == {}
    assert c.site.hits["/robots.txt"] == hostile.FLAKY_FAILURES + 1
    assert c.site.hits["/flaky.html"] == hostile.FLAKY_FAILURES + 1


def test_429_with_retry_after(tmp_path: Path) -> None:
    c = crawl("retry_after", tmp_path)
    succeeded(c)
    assert c.row("/busy.html")["kept"] is True
    times = c.site.times["/busy.html"]
    assert len(times) == hostile.BUSY_FAILURES + 1
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(times))  # waited as asked
    assert c.row("/busy-long.html")["error"] == "http_429"  # an hour is not waited for...
    assert c.site.hits["/busy-long.html"] == 1  # ...nor retried
