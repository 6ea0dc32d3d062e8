"""The service benchmark: hosted-file throughput under 50 clients, and peak RSS under 4 crawls.

python -m bench.service  (writes bench/results/service.json)

(a) One generated site, one service process, one 500-page job; then 50 concurrent async clients
    in this process loop GET /sites/{site}/llms.txt for a fixed time. The load generator shares
    the machine's CPUs with the service.
(b) Four generated sites (50 ms latency) and a fresh service; four 500-page jobs at once while
    the service's RSS (children included, summed) is sampled every 50 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import psutil

from bench.__main__ import free_port, site_process, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "service.json"
PAGES = 500
CLIENTS = 50
WARMUP_S = 1.0
DURATION_S = 10.0


@contextlib.contextmanager
def service_process(data_dir: str) -> Iterator[tuple[str, int]]:
    """The service (uvicorn) in a child process, open and allowed onto loopback; (base URL, pid)."""
    port = free_port()
    env = os.environ | {
        "LLMSTXT_DATA_DIR": data_dir,
        "LLMSTXT_ALLOW_PRIVATE_NETWORKS": "true",
        "LLMSTXT_MAX_CONCURRENT_JOBS": "4",
        "LLMSTXT_API_KEYS": "",
        "LLMSTXT_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "llmstxt.service.main", "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/health", seconds=60.0)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def submit(base: str, url: str) -> str:
    """POST a job of PAGES pages (no llms-full); its id."""
    body = {"url": url + "/", "maxPages": PAGES, "full": False}
    response = httpx2.post(base + "/api/v1/jobs", json=body, timeout=30.0)
    response.raise_for_status()
    return str(response.json()["id"])


def wait_job(base: str, job_id: str, timeout: float = 600.0) -> tuple[dict[str, Any], float]:
    """Poll the job until it finishes; (its view, seconds since the call)."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        job = httpx2.get(f"{base}/api/v1/jobs/{job_id}", timeout=30.0).json()
        if job["status"] not in ("queued", "running"):
            if job["status"] != "succeeded":
                sys.exit(f"job {job_id} ended {job['status']}: {job.get('error')}")
            return job, time.perf_counter() - began
        time.sleep(0.05)
    sys.exit(f"job {job_id} did not finish in {timeout} s")


async def load(url: str, clients: int = CLIENTS, duration: float = DURATION_S) -> dict[str, Any]:
    """`clients` clients loop GET url; latencies of requests started after the warm-up."""
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from, stop = start + WARMUP_S, start + WARMUP_S + duration

    async def client_loop(client: httpx2.AsyncClient) -> None:
        nonlocal errors
        while (now := loop.time()) < stop:
            try:
                response = await client.get(url)
                ok = response.status_code == 200 and len(response.content) > 0
            except httpx2.HTTPError:
                ok = False
            if now >= measure_from:
                latencies.append(loop.time() - now)
                errors += not ok

    async with httpx2.AsyncClient(limits=limits, timeout=30.0) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
    latencies.sort()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "clients": clients,
        "duration_s": duration,
        "requests": len(latencies),
        "errors": errors,
        "requests_per_s": round(len(latencies) / duration, 1),
        "p50_ms": round(1000 * cuts[49], 2),
        "p99_ms": round(1000 * cuts[98], 2),
    }


def bench_hosted() -> dict[str, Any]:
    """(a): hosted llms.txt under CLIENTS concurrent clients."""
    usage: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory() as data,
        site_process(PAGES, 0, usage) as site,
        service_process(data) as (base, _),
    ):
        job, _ = wait_job(base, submit(base, site))
        url = job["links"]["llms_txt"]
        size = len(httpx2.get(url).content)
        result = asyncio.run(load(url))
    return result | {"llms_txt_bytes": size}


def tree_rss(pid: int) -> int:
    """RSS bytes of pid and all its descendants, summed."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total


def bench_rss() -> dict[str, Any]:
    """(b): the service's peak RSS while 4 crawls of PAGES pages run at once."""
    usage: dict[str, float] = {}
    with contextlib.ExitStack() as stack:
        sites = [stack.enter_context(site_process(PAGES, 50, usage)) for _ in range(4)]
        data = stack.enter_context(tempfile.TemporaryDirectory())
        base, pid = stack.enter_context(service_process(data))
        idle = tree_rss(pid)
        peak = idle
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        began = time.perf_counter()
        ids = [submit(base, site) for site in sites]
        jobs = []
        for job_id in ids:
            job, _ = wait_job(base, job_id)
            jobs.append(job)
        total = time.perf_counter() - began
        done.set()
        sampler.join()
    runs = []
    for job in jobs:
        wall = None
        if job.get("started_at") and job.get("finished_at"):
            with contextlib.suppress(TypeError, ValueError):
                wall = round(_seconds(job["finished_at"]) - _seconds(job["started_at"]), 2)
        runs.append({"site": job["site"], "wall_s": wall, "counters": job["counters"]})
    return {
        "jobs": len(jobs),
        "pages_per_job": PAGES,
        "latency_ms": 50,
        "idle_rss_mb": round(idle / 2**20, 1),
        "peak_rss_mb": round(peak / 2**20, 1),
        "all_done_s": round(total, 2),
        "runs": runs,
    }


def _seconds(stamp: Any) -> float:
    """A job timestamp (epoch number or ISO string) as epoch seconds."""
    if isinstance(stamp, int | float):
        return float(stamp)
    from datetime import datetime

    return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()


def _pages(counters: dict[str, Any]) -> Any:
    """The pages a job kept (or fetched), whichever counter it reports."""
    for key in ("kept", "pages", "fetched"):
        if key in counters:
            return counters[key]
    return "?"


def main() -> None:
    """Run both measurements, print a table, write bench/results/service.json."""
    hosted = bench_hosted()
    rss = bench_rss()
    print(f"hosted llms.txt ({hosted['llms_txt_bytes']} B), {CLIENTS} clients, {DURATION_S:g} s:")
    print("| requests/s | p50 ms | p99 ms | requests | errors |")
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {hosted['requests_per_s']} | {hosted['p50_ms']} | {hosted['p99_ms']} "
        f"| {hosted['requests']} | {hosted['errors']} |"
    )
    print(f"\n4 concurrent {PAGES}-page crawls (50 ms latency), all done in {rss['all_done_s']} s:")
    print(f"service RSS: idle {rss['idle_rss_mb']} MB, peak {rss['peak_rss_mb']} MB")
    print("| site | wall s | pages |")
    print("|---|---:|---:|")
    for run in rss["runs"]:
        print(f"| {run['site']} | {run['wall_s']} | {_pages(run['counters'])} |")
    machine = {"python": platform.python_version(), "cpus": os.cpu_count()}
    machine["platform"] = platform.platform()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    out = {"machine": machine, "hosted": hosted, "crawl_rss": rss}
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
